import { randomUUID } from 'node:crypto';
import type { OAuthClientKind } from '@toolgate/db/schema';
import { memberships, oauthAuthorizationCodes, oauthGrants, teamMembers } from '@toolgate/db/schema';
import { and, arrayContains, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { findClient } from './clients.ts';
import {
  AUTHORIZATION_CODE_TTL_SECONDS,
  DEFAULT_SCOPES,
  opaqueToken,
  parseScope,
  sha256Hex,
  SUPPORTED_PROMPTS,
  SUPPORTED_SCOPES,
  type Prompt,
} from './constants.ts';
import { nowOf, type AuthServerDeps } from './deps.ts';
import { AuthorizeError, OAuthError, RateLimitedError, type AuthorizeRedirectTarget } from './errors.ts';
import { resolveResource, type ResolvedResource } from './resource.ts';

export interface ValidatedAuthorization {
  client: {
    id: string;
    clientId: string;
    name: string;
    kind: OAuthClientKind;
    clientUri: string | null;
    logoUri: string | null;
    /** Pre-registered clients: the tenant they belong to. */
    tenantId: string | null;
  };
  redirectUri: string;
  /** Our issuer identifier, sent back as `iss` (RFC 9207). */
  issuer: string;
  /** What the consent page names as the destination: the host, or the scheme of an app URI. */
  redirectHost: string;
  state?: string;
  scopes: string[];
  resource: string;
  codeChallenge: string;
  tenant: ResolvedResource['tenant'];
  gateway: ResolvedResource['gateway'];
  /** The `prompt` values requested, without repeats; empty when none were. */
  prompts: Prompt[];
}

const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

function single(params: URLSearchParams, name: string, redirectable: boolean): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1)
    throw new AuthorizeError('invalid_request', `${name} was sent more than once`, redirectable);
  return values[0] === '' ? undefined : values[0];
}

/** A space-delimited `prompt`; `none` stands alone (OIDC Core §3.1.2.1). */
function parsePrompts(value: string | undefined, fail: (description: string) => Error): Prompt[] {
  const values = [...new Set((value ?? '').split(' ').filter(Boolean))];
  const unknown = values.filter((p) => !(SUPPORTED_PROMPTS as readonly string[]).includes(p));
  if (unknown.length > 0) throw fail(`unsupported prompt value: ${unknown.join(' ')}`);
  if (values.includes('none') && values.length > 1)
    throw fail('prompt=none cannot be combined with other values');
  return values as Prompt[];
}

function redirectHostOf(uri: string): string {
  const url = new URL(uri);
  return url.host || url.protocol.replace(/:$/, '');
}

/**
 * Checks an authorization request (RFC 6749 §4.1.1 with PKCE and RFC 8707). Errors about the
 * client or redirect URI are not redirectable; the rest carry `target` so the caller can send
 * them back to the client (authorizeErrorRedirect). Does not look at the user.
 */
export async function validateAuthorizationRequest(
  deps: AuthServerDeps,
  params: URLSearchParams,
  /** `requester`: the client address, counted when a metadata document must be fetched. */
  { requester }: { requester?: string } = {},
): Promise<ValidatedAuthorization> {
  const clientId = single(params, 'client_id', false);
  if (!clientId) throw new AuthorizeError('invalid_request', 'client_id is required', false);
  let client;
  try {
    client = await findClient(deps, clientId, { requester });
  } catch (err) {
    if (err instanceof RateLimitedError) throw err;
    if (err instanceof OAuthError) throw new AuthorizeError('invalid_client', err.description, false);
    throw err;
  }
  if (!client) throw new AuthorizeError('invalid_client', 'unknown client_id', false);

  const requestedRedirect = single(params, 'redirect_uri', false);
  let redirectUri: string;
  if (requestedRedirect === undefined) {
    if (client.redirectUris.length !== 1) {
      throw new AuthorizeError('invalid_request', 'redirect_uri is required for this client', false);
    }
    redirectUri = client.redirectUris[0]!;
  } else {
    if (!client.redirectUris.includes(requestedRedirect)) {
      throw new AuthorizeError('invalid_request', 'redirect_uri is not registered for this client', false);
    }
    redirectUri = requestedRedirect;
  }
  const state = single(params, 'state', false);
  const target: AuthorizeRedirectTarget = {
    redirectUri,
    issuer: deps.issuer,
    ...(state !== undefined ? { state } : {}),
  };
  const fail = (error: ConstructorParameters<typeof OAuthError>[0], description: string) =>
    new AuthorizeError(error, description, true, target);

  try {
    const responseType = single(params, 'response_type', true);
    if (responseType !== 'code') {
      throw fail(
        responseType ? 'unsupported_response_type' : 'invalid_request',
        responseType ? 'only response_type=code is supported' : 'response_type is required',
      );
    }
    if (!client.grantTypes.includes('authorization_code')) {
      throw fail('unauthorized_client', 'this client is not registered for the authorization_code grant');
    }
    const codeChallenge = single(params, 'code_challenge', true);
    const method = single(params, 'code_challenge_method', true);
    if (!codeChallenge) throw fail('invalid_request', 'code_challenge is required (PKCE)');
    if (method !== 'S256') throw fail('invalid_request', 'code_challenge_method must be S256');
    if (!PKCE_CHALLENGE.test(codeChallenge))
      throw fail('invalid_request', 'code_challenge is not a S256 challenge');

    const requested = parseScope(single(params, 'scope', true));
    const unknown = requested.filter((s) => !(SUPPORTED_SCOPES as readonly string[]).includes(s));
    if (unknown.length > 0) throw fail('invalid_scope', `unsupported scope: ${unknown.join(' ')}`);
    const scopes = requested.length > 0 ? requested : [...DEFAULT_SCOPES].sort();
    const prompts = parsePrompts(single(params, 'prompt', true), (d) => fail('invalid_request', d));

    const resources = params.getAll('resource');
    if (resources.length === 0 || !resources[0])
      throw fail('invalid_target', 'resource is required (the gateway URL)');
    if (resources.length > 1) throw fail('invalid_target', 'exactly one resource may be requested');
    let resolved: ResolvedResource;
    try {
      resolved = await resolveResource(deps, resources[0]);
    } catch (err) {
      if (err instanceof OAuthError) throw fail(err.error, err.description);
      throw err;
    }
    if (client.tenantId !== null && client.tenantId !== resolved.tenant.id) {
      throw fail('invalid_target', 'this client may only be used with gateways of its own tenant');
    }
    return {
      client: {
        id: client.id,
        clientId: client.clientId,
        name: client.name,
        kind: client.kind,
        clientUri: client.clientUri,
        logoUri: client.logoUri,
        tenantId: client.tenantId,
      },
      redirectUri,
      issuer: deps.issuer,
      redirectHost: redirectHostOf(redirectUri),
      ...(state !== undefined ? { state } : {}),
      scopes,
      resource: resolved.resource,
      codeChallenge,
      tenant: resolved.tenant,
      gateway: resolved.gateway,
      prompts,
    };
  } catch (err) {
    if (err instanceof AuthorizeError && err.redirectable && !err.target) err.target = target;
    throw err;
  }
}

/**
 * Whether the user may connect a client to this gateway: a member of its tenant who can see the
 * gateway (org-wide, one of its teams, or an owner/admin). AuthorizeError(access_denied) if not.
 */
export async function userMayAuthorize(
  deps: Pick<AuthServerDeps, 'db'>,
  v: Pick<ValidatedAuthorization, 'tenant' | 'gateway'>,
  userId: string,
  extraTeamIds: readonly string[] = [],
): Promise<void> {
  const [membership] = await deps.db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.tenantId, v.tenant.id), eq(memberships.userId, userId)));
  if (!membership)
    throw new AuthorizeError('access_denied', 'you are not a member of this organization', true);
  if (v.gateway.visibility === 'org' || membership.role !== 'member') return;
  if (v.gateway.teamIds.some((t) => extraTeamIds.includes(t))) return;
  if (v.gateway.teamIds.length > 0) {
    const [inTeam] = await deps.db
      .select({ teamId: teamMembers.teamId })
      .from(teamMembers)
      .where(
        and(
          eq(teamMembers.tenantId, v.tenant.id),
          eq(teamMembers.userId, userId),
          inArray(teamMembers.teamId, v.gateway.teamIds),
        ),
      )
      .limit(1);
    if (inTeam) return;
  }
  throw new AuthorizeError('access_denied', 'this gateway is not shared with you', true);
}

/** Whether the user already consented to this client, these scopes and this gateway (consent can be skipped). */
export async function hasRememberedConsent(
  deps: Pick<AuthServerDeps, 'db'>,
  v: ValidatedAuthorization,
  userId: string,
): Promise<boolean> {
  const [grant] = await deps.db
    .select({ id: oauthGrants.id })
    .from(oauthGrants)
    .where(
      and(
        eq(oauthGrants.tenantId, v.tenant.id),
        eq(oauthGrants.userId, userId),
        eq(oauthGrants.clientId, v.client.id),
        isNull(oauthGrants.revokedAt),
        arrayContains(oauthGrants.scopes, v.scopes),
        arrayContains(oauthGrants.gatewayIds, [v.gateway.id]),
      ),
    );
  return grant !== undefined;
}

function redirectWith(target: AuthorizeRedirectTarget, values: Record<string, string>): string {
  const url = new URL(target.redirectUri);
  for (const [k, v] of Object.entries(values)) url.searchParams.set(k, v);
  if (target.state !== undefined) url.searchParams.set('state', target.state);
  url.searchParams.set('iss', target.issuer);
  return url.toString();
}

/**
 * The user approved: remember the consent (scopes and gateways add up; a revoked grant is
 * replaced by a new one, since its id stays on the revocation set until its tokens expire) and
 * issue a single-use code. Returns the redirect URL with `code`, `state` and `iss` (RFC 9207).
 */
export async function approveAuthorization(
  deps: AuthServerDeps,
  v: ValidatedAuthorization,
  userId: string,
): Promise<string> {
  await userMayAuthorize(deps, v, userId);
  const now = nowOf(deps);
  const code = opaqueToken('tgc_');
  await deps.db.transaction(async (tx) => {
    const owner = and(
      eq(oauthGrants.tenantId, v.tenant.id),
      eq(oauthGrants.userId, userId),
      eq(oauthGrants.clientId, v.client.id),
    );
    await tx.delete(oauthGrants).where(and(owner, isNotNull(oauthGrants.revokedAt)));
    const [grant] = await tx
      .insert(oauthGrants)
      .values({
        id: randomUUID(),
        tenantId: v.tenant.id,
        userId,
        clientId: v.client.id,
        scopes: v.scopes,
        gatewayIds: [v.gateway.id],
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: [oauthGrants.tenantId, oauthGrants.userId, oauthGrants.clientId],
        set: {
          scopes: sql`array(select distinct unnest(${oauthGrants.scopes} || excluded.scopes) order by 1)`,
          gatewayIds: sql`array(select distinct unnest(${oauthGrants.gatewayIds} || excluded.gateway_ids))`,
          revokedAt: null,
          updatedAt: now,
        },
      })
      .returning({ id: oauthGrants.id });
    await tx.insert(oauthAuthorizationCodes).values({
      codeHash: sha256Hex(code),
      tenantId: v.tenant.id,
      grantId: grant!.id,
      clientId: v.client.id,
      userId,
      gatewayId: v.gateway.id,
      resource: v.resource,
      redirectUri: v.redirectUri,
      codeChallenge: v.codeChallenge,
      scopes: v.scopes,
      expiresAt: new Date(now.getTime() + AUTHORIZATION_CODE_TTL_SECONDS * 1000),
      createdAt: now,
    });
  });
  return redirectWith(v, { code });
}

export type AuthorizationStep =
  /** Nobody is signed in: sign in, then come back to this request. */
  | { kind: 'sign-in' }
  /** Ask the user on the consent page. */
  | { kind: 'consent' }
  /** Back to the client now, with a code or an error (`state` and `iss` included). */
  | { kind: 'redirect'; location: string };

/**
 * What a sound authorization request leads to for the signed-in user (or nobody), honouring
 * `prompt`: `none` never shows a page (login_required, consent_required, or a code when consent
 * is remembered); `consent` and `login` always show the consent page; without `prompt` remembered
 * consent issues a code at once. Throws AuthorizeError(access_denied) when the user may not
 * connect this gateway.
 */
export async function nextAuthorizationStep(
  deps: AuthServerDeps,
  v: ValidatedAuthorization,
  userId: string | null,
): Promise<AuthorizationStep> {
  const silent = v.prompts.includes('none');
  const failSilently = (error: 'login_required' | 'consent_required', description: string) => ({
    kind: 'redirect' as const,
    location: authorizeErrorRedirect(v, new AuthorizeError(error, description, true)),
  });
  if (!userId) {
    return silent ? failSilently('login_required', 'the user is not signed in') : { kind: 'sign-in' };
  }
  await userMayAuthorize(deps, v, userId);
  const askAnyway = v.prompts.includes('consent') || v.prompts.includes('login');
  if (!askAnyway && (await hasRememberedConsent(deps, v, userId))) {
    return { kind: 'redirect', location: await approveAuthorization(deps, v, userId) };
  }
  return silent
    ? failSilently('consent_required', 'the user has not approved this application for these scopes')
    : { kind: 'consent' };
}

/** The user declined: back to the client with access_denied. */
export function denyAuthorization(v: AuthorizeRedirectTarget): string {
  return redirectWith(v, { error: 'access_denied', error_description: 'the user declined' });
}

/**
 * A redirectable error sent back to the client: `v` is the validated request, or
 * `err.target` for errors thrown by validateAuthorizationRequest. Never for a non-redirectable one.
 */
export function authorizeErrorRedirect(v: AuthorizeRedirectTarget, err: OAuthError): string {
  if (err instanceof AuthorizeError && !err.redirectable) {
    throw new Error('authorizeErrorRedirect: this error must be shown, not redirected');
  }
  return redirectWith(v, { error: err.error, error_description: err.description });
}
