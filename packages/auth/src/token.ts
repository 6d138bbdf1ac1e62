import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { memberships, oauthAuthorizationCodes, oauthGrants, oauthRefreshTokens } from '@toolgate/db/schema';
import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';
import {
  authenticateClient,
  clientCredentials,
  updateLastUsed,
  type ClientCredentials,
  type OAuthClient,
} from './clients.ts';
import {
  JWT_BEARER_GRANT,
  opaqueToken,
  parseScope,
  REFRESH_REUSE_GRACE_SECONDS,
  REFRESH_TOKEN_TTL_SECONDS,
  sha256Hex,
  type AccessTokenClaims,
} from './constants.ts';
import { nowOf, type AuthServerDeps } from './deps.ts';
import { OAuthError, RateLimitedError } from './errors.ts';
import { handleIdJagGrant } from './id-jag.ts';
import { isCountedTokenFailure, recordTokenFailure, refuseAfterTokenFailures } from './rate-limits.ts';
import { resolveResource } from './resource.ts';
import { signAccessToken } from './signing-keys.ts';
import { revokeFamily } from './token-families.ts';

export interface OAuthHttpResponse {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

export interface TokenResponseBody {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };
const PKCE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** A form parameter that may appear at most once (RFC 6749 §3.2); '' counts as absent. */
export function param(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name);
  if (values.length > 1) throw new OAuthError('invalid_request', `${name} was sent more than once`);
  return values[0] || undefined;
}

/** An OAuthError (or anything else, as server_error) as the JSON response RFC 6749 §5.2 describes. */
export function oauthErrorResponse(
  deps: Pick<AuthServerDeps, 'log'>,
  err: unknown,
  credentials?: Pick<ClientCredentials, 'method'>,
): OAuthHttpResponse {
  if (err instanceof OAuthError) {
    const headers: Record<string, string> = { ...NO_STORE };
    if (err instanceof RateLimitedError) Object.assign(headers, err.headers());
    if (err.status === 401 && credentials?.method === 'client_secret_basic') {
      headers['www-authenticate'] = 'Basic realm="toolgate", charset="UTF-8"';
    }
    return { status: err.status, body: err.toJSON(), headers };
  }
  deps.log?.error({ err }, 'token endpoint failed');
  return {
    status: 500,
    body: { error: 'server_error', error_description: 'the authorization server failed; try again' },
    headers: { ...NO_STORE },
  };
}

/**
 * The token endpoint (RFC 6749 §3.2): authorization_code (PKCE), refresh_token (rotating, with
 * reuse detection) and the RFC 7523 JWT bearer grant carrying an ID-JAG. Never throws: every
 * outcome is a response, and none may be cached. invalid_client and invalid_grant answers count
 * against the client_id presented from that address; past the limit (rate-limits.ts) they get 429
 * until the window ends.
 */
export async function handleTokenRequest(
  deps: AuthServerDeps,
  {
    form,
    authorization,
    clientAddress = 'unknown',
  }: {
    form: URLSearchParams;
    authorization?: string | null;
    /** Who is asking (rate limits); callers that cannot tell share one bucket. */
    clientAddress?: string;
  },
): Promise<OAuthHttpResponse> {
  let credentials: ClientCredentials | undefined;
  try {
    const grantType = param(form, 'grant_type');
    if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required');
    if (![`authorization_code`, 'refresh_token', JWT_BEARER_GRANT].includes(grantType)) {
      throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported`);
    }
    credentials = clientCredentials(form, authorization);
    await refuseAfterTokenFailures(deps, credentials.clientId, clientAddress);
    const client = await authenticateClient(deps, credentials);
    if (!client.grantTypes.includes(grantType)) {
      throw new OAuthError('unauthorized_client', `this client is not registered for the ${grantType} grant`);
    }
    let body: TokenResponseBody;
    if (grantType === 'authorization_code') body = await exchangeCode(deps, client, form);
    else if (grantType === 'refresh_token') body = await refresh(deps, client, form);
    else body = await handleIdJagGrant(deps, client, form);
    await updateLastUsed(deps, client.id);
    return { status: 200, body: { ...body }, headers: { ...NO_STORE } };
  } catch (err) {
    if (credentials && isCountedTokenFailure(err))
      await recordTokenFailure(deps, credentials.clientId, clientAddress);
    return oauthErrorResponse(deps, err, credentials);
  }
}

function pkceMatches(verifier: string, challenge: string): boolean {
  const computed = Buffer.from(createHash('sha256').update(verifier).digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

async function checkGrantAndMembership(
  deps: AuthServerDeps,
  { grantId, tenantId, userId }: { grantId: string; tenantId: string; userId: string },
): Promise<void> {
  const [grant] = await deps.db
    .select({ revokedAt: oauthGrants.revokedAt })
    .from(oauthGrants)
    .where(and(eq(oauthGrants.id, grantId), eq(oauthGrants.tenantId, tenantId)));
  if (!grant || grant.revokedAt) throw new OAuthError('invalid_grant', 'the consent grant was revoked');
  const [member] = await deps.db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId)));
  if (!member) throw new OAuthError('invalid_grant', 'the user is no longer a member of this organization');
}

/** The gateway a stored resource names must still be the same gateway and still accept OAuth. */
async function stillServed(deps: AuthServerDeps, resource: string, gatewayId: string) {
  try {
    const resolved = await resolveResource(deps, resource);
    if (resolved.gateway.id === gatewayId) return resolved;
  } catch {
    // Reported below.
  }
  throw new OAuthError('invalid_grant', 'the gateway no longer accepts OAuth tokens at this URL');
}

function checkResourceParam(form: URLSearchParams, expected: string): void {
  const resources = form.getAll('resource');
  if (resources.length > 1) throw new OAuthError('invalid_target', 'exactly one resource may be requested');
  if (resources[0] && resources[0] !== expected) {
    throw new OAuthError('invalid_target', 'resource differs from the one this grant was issued for');
  }
}

interface Issue {
  tenantId: string;
  gatewayId: string;
  userId: string;
  grantId: string;
  resource: string;
  scopes: string[];
  jti: string;
}

async function accessToken(deps: AuthServerDeps, client: OAuthClient, issue: Issue) {
  const claims: Omit<AccessTokenClaims, 'iat' | 'exp'> = {
    iss: deps.issuer,
    sub: issue.userId,
    aud: issue.resource,
    jti: issue.jti,
    client_id: client.clientId,
    scope: issue.scopes.join(' '),
    tid: issue.tenantId,
    gid: issue.gatewayId,
    grant: issue.grantId,
  };
  return signAccessToken(deps.db, deps.keys, claims, nowOf(deps));
}

async function newRefreshToken(
  deps: AuthServerDeps,
  client: OAuthClient,
  issue: Issue,
  familyId: string,
  scopes: string[],
): Promise<string> {
  const token = opaqueToken('tgr_');
  const now = nowOf(deps);
  await deps.db.insert(oauthRefreshTokens).values({
    id: issue.jti,
    tokenHash: sha256Hex(token),
    familyId,
    tenantId: issue.tenantId,
    grantId: issue.grantId,
    clientId: client.id,
    userId: issue.userId,
    gatewayId: issue.gatewayId,
    resource: issue.resource,
    scopes,
    expiresAt: new Date(now.getTime() + REFRESH_TOKEN_TTL_SECONDS * 1000),
    createdAt: now,
  });
  return token;
}

async function touchGrant(deps: AuthServerDeps, grantId: string): Promise<void> {
  await deps.db
    .update(oauthGrants)
    .set({ lastUsedAt: nowOf(deps) })
    .where(eq(oauthGrants.id, grantId));
}

async function exchangeCode(
  deps: AuthServerDeps,
  client: OAuthClient,
  form: URLSearchParams,
): Promise<TokenResponseBody> {
  const code = param(form, 'code');
  const verifier = param(form, 'code_verifier');
  const redirectUri = param(form, 'redirect_uri');
  if (!code) throw new OAuthError('invalid_request', 'code is required');
  if (!verifier) throw new OAuthError('invalid_request', 'code_verifier is required (PKCE)');
  const now = nowOf(deps);
  const familyId = randomUUID();
  const codeHash = sha256Hex(code);
  // Claiming and using are one statement, so a code is redeemed once however many try at once.
  const [claimed] = await deps.db
    .update(oauthAuthorizationCodes)
    .set({ usedAt: now, familyId })
    .where(and(eq(oauthAuthorizationCodes.codeHash, codeHash), isNull(oauthAuthorizationCodes.usedAt)))
    .returning();
  if (!claimed) {
    const [spent] = await deps.db
      .select()
      .from(oauthAuthorizationCodes)
      .where(eq(oauthAuthorizationCodes.codeHash, codeHash));
    if (!spent) throw new OAuthError('invalid_grant', 'unknown authorization code');
    if (spent.familyId && spent.clientId === client.id) {
      await revokeFamily(deps, { tenantId: spent.tenantId, familyId: spent.familyId });
    }
    throw new OAuthError(
      'invalid_grant',
      'the authorization code was already used; tokens issued from it are revoked',
    );
  }
  if (claimed.clientId !== client.id)
    throw new OAuthError('invalid_grant', 'the code was issued to another client');
  if (claimed.expiresAt.getTime() <= now.getTime())
    throw new OAuthError('invalid_grant', 'the authorization code expired');
  if (redirectUri !== undefined && redirectUri !== claimed.redirectUri) {
    throw new OAuthError('invalid_grant', 'redirect_uri differs from the authorization request');
  }
  if (!PKCE_VERIFIER.test(verifier) || !pkceMatches(verifier, claimed.codeChallenge)) {
    throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge');
  }
  checkResourceParam(form, claimed.resource);
  await checkGrantAndMembership(deps, claimed);
  await stillServed(deps, claimed.resource, claimed.gatewayId);

  const issue: Issue = { ...claimed, jti: claimed.id };
  const { token, expiresIn } = await accessToken(deps, client, issue);
  const body: TokenResponseBody = {
    access_token: token,
    token_type: 'Bearer',
    expires_in: expiresIn,
    scope: claimed.scopes.join(' '),
  };
  if (client.grantTypes.includes('refresh_token')) {
    body.refresh_token = await newRefreshToken(
      deps,
      client,
      { ...issue, jti: randomUUID() },
      familyId,
      claimed.scopes,
    );
  }
  await touchGrant(deps, claimed.grantId);
  return body;
}

async function refresh(
  deps: AuthServerDeps,
  client: OAuthClient,
  form: URLSearchParams,
): Promise<TokenResponseBody> {
  const presented = param(form, 'refresh_token');
  if (!presented) throw new OAuthError('invalid_request', 'refresh_token is required');
  const now = nowOf(deps);
  const tokenHash = sha256Hex(presented);
  const [row] = await deps.db
    .select()
    .from(oauthRefreshTokens)
    .where(eq(oauthRefreshTokens.tokenHash, tokenHash));
  if (!row) throw new OAuthError('invalid_grant', 'unknown refresh token');
  if (row.clientId !== client.id)
    throw new OAuthError('invalid_grant', 'the refresh token was issued to another client');
  const reused = async () => {
    await revokeFamily(deps, { tenantId: row.tenantId, familyId: row.familyId });
    return new OAuthError(
      'invalid_grant',
      'the refresh token was already used; every token of its family is revoked',
    );
  };
  const graceStart = new Date(now.getTime() - REFRESH_REUSE_GRACE_SECONDS * 1000);
  if (row.usedAt && row.usedAt.getTime() <= graceStart.getTime()) throw await reused();
  if (row.revokedAt) throw new OAuthError('invalid_grant', 'the refresh token was revoked');
  if (row.expiresAt.getTime() <= now.getTime())
    throw new OAuthError('invalid_grant', 'the refresh token expired');

  const requested = param(form, 'scope');
  let scopes = row.scopes;
  if (requested !== undefined) {
    const narrowed = parseScope(requested);
    const extra = narrowed.filter((s) => !row.scopes.includes(s));
    if (extra.length > 0)
      throw new OAuthError(
        'invalid_scope',
        `scope may only narrow the grant; not granted: ${extra.join(' ')}`,
      );
    scopes = narrowed;
  }
  checkResourceParam(form, row.resource);
  await checkGrantAndMembership(deps, row);
  await stillServed(deps, row.resource, row.gatewayId);

  // The atomic claim: the first use marks the token used; a use racing it within the grace
  // succeeds too (keeping the first use's time), any later one sees reuse. A family revoked since
  // the read above fails here too.
  const [claimed] = await deps.db
    .update(oauthRefreshTokens)
    .set({ usedAt: sql`coalesce(${oauthRefreshTokens.usedAt}, ${now.toISOString()}::timestamptz)` })
    .where(
      and(
        eq(oauthRefreshTokens.id, row.id),
        or(isNull(oauthRefreshTokens.usedAt), gt(oauthRefreshTokens.usedAt, graceStart)),
        isNull(oauthRefreshTokens.revokedAt),
        gt(oauthRefreshTokens.expiresAt, now),
        sql`not exists (select 1 from oauth_refresh_tokens f where f.family_id = ${oauthRefreshTokens.familyId} and f.revoked_at is not null)`,
      ),
    )
    .returning({ id: oauthRefreshTokens.id });
  if (!claimed) throw await reused();

  const issue: Issue = { ...row, scopes, jti: randomUUID() };
  const { token, expiresIn } = await accessToken(deps, client, issue);
  // The successor keeps the grant's scopes: narrowing applies to this access token only (RFC 6749 §6).
  const successor = await newRefreshToken(deps, client, issue, row.familyId, row.scopes);
  await touchGrant(deps, row.grantId);
  return {
    access_token: token,
    token_type: 'Bearer',
    expires_in: expiresIn,
    scope: scopes.join(' '),
    refresh_token: successor,
  };
}
