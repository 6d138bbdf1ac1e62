import { identityProviders, oauthAssertionJtis } from '@toolgate/db/schema';
import { and, eq, lt } from 'drizzle-orm';
import {
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { randomUUID } from 'node:crypto';
import { userMayAuthorize } from './authorize.ts';
import type { OAuthClient } from './clients.ts';
import {
  CLOCK_SKEW_SECONDS,
  EXTERNAL_JWT_ALGORITHMS,
  ID_JAG_TYP,
  parseScope,
  SUPPORTED_SCOPES,
} from './constants.ts';
import { nowOf, type AuthServerDeps } from './deps.ts';
import { OAuthError } from './errors.ts';
import { resolveIdpCaller } from './idp-users.ts';
import { JwksCache } from './jwks-cache.ts';
import { resolveResource, type ResolvedResource } from './resource.ts';
import { signAccessToken } from './signing-keys.ts';
import type { TokenResponseBody } from './token.ts';

/** Asymmetric algorithms only: an IdP's JWKS never holds a shared secret we would accept. */

const defaultCaches = new Map<boolean, JwksCache>();
function idpKeys(deps: AuthServerDeps, jwksUri: string): JWTVerifyGetKey {
  if (deps.idpKeys) return deps.idpKeys(jwksUri);
  let cache = defaultCaches.get(deps.allowPrivate);
  if (!cache) {
    cache = new JwksCache({ allowPrivate: deps.allowPrivate });
    defaultCaches.set(deps.allowPrivate, cache);
  }
  return cache.getKey(jwksUri);
}

const bad = (description: string) => new OAuthError('invalid_grant', `ID-JAG: ${description}`);

function whyInvalid(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the assertion expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `claim ${err.claim} is invalid (${err.reason})`;
  if (err instanceof errors.JWKSNoMatchingKey)
    return 'no key of the identity provider matches the assertion (kid)';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the signature does not verify';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the signing algorithm is not allowed';
  if (err instanceof errors.JOSEError) return `the assertion does not verify (${err.code})`;
  return 'the identity provider keys could not be loaded';
}

/**
 * The RFC 7523 JWT bearer grant carrying an Identity Assertion JWT Authorization Grant
 * (draft-ietf-oauth-identity-assertion-authz-grant) from a tenant's trusted IdP. The client must be
 * confidential, authenticated and named by the assertion; the assertion names the gateway
 * (`resource`), is signed by an IdP the gateway's tenant trusts for ID-JAG, is addressed to us, and
 * is accepted once. Issues an access token for that gateway with the intersection of requested and
 * granted scopes, and no refresh token. Every refusal is invalid_grant saying why.
 */
export async function handleIdJagGrant(
  deps: AuthServerDeps,
  client: OAuthClient,
  form: URLSearchParams,
): Promise<TokenResponseBody> {
  if (client.tokenEndpointAuthMethod === 'none') {
    throw new OAuthError('unauthorized_client', 'the jwt-bearer grant is for confidential clients only');
  }
  const assertions = form.getAll('assertion');
  if (assertions.length !== 1 || !assertions[0])
    throw new OAuthError('invalid_request', 'exactly one assertion is required');
  const assertion = assertions[0];
  const now = nowOf(deps);
  const nowSeconds = Math.floor(now.getTime() / 1000);

  let unverified: JWTPayload;
  try {
    if (decodeProtectedHeader(assertion).typ !== ID_JAG_TYP) throw bad(`typ must be ${ID_JAG_TYP}`);
    unverified = decodeJwt(assertion);
  } catch (err) {
    throw err instanceof OAuthError ? err : bad('the assertion is not a JWT');
  }
  if (typeof unverified.resource !== 'string') throw bad('the resource claim (a gateway URL) is required');
  if (typeof unverified.iss !== 'string') throw bad('the iss claim is required');
  const formResource = form.getAll('resource');
  if (formResource.length > 1 || (formResource[0] && formResource[0] !== unverified.resource)) {
    throw bad('resource differs from the assertion');
  }
  let target: ResolvedResource;
  try {
    target = await resolveResource(deps, unverified.resource);
  } catch (err) {
    throw bad(err instanceof OAuthError ? err.description : 'unknown resource');
  }
  if (client.tenantId !== null && client.tenantId !== target.tenant.id) {
    throw bad('this client may only be used with gateways of its own tenant');
  }
  const [idp] = await deps.db
    .select()
    .from(identityProviders)
    .where(
      and(eq(identityProviders.tenantId, target.tenant.id), eq(identityProviders.issuer, unverified.iss)),
    );
  if (!idp || !idp.enabled || !idp.trustIdJag) {
    throw bad('the issuer is not an identity provider this organization trusts for ID-JAG');
  }

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(assertion, idpKeys(deps, idp.jwksUri), {
      issuer: idp.issuer,
      audience: deps.issuer,
      typ: ID_JAG_TYP,
      algorithms: EXTERNAL_JWT_ALGORITHMS,
      clockTolerance: CLOCK_SKEW_SECONDS,
      currentDate: now,
      requiredClaims: ['exp', 'jti', 'sub', 'client_id', 'resource'],
    }));
  } catch (err) {
    throw bad(whyInvalid(err));
  }
  if (payload.client_id !== client.clientId) throw bad('client_id does not name the authenticated client');
  if (payload.resource !== target.resource) throw bad('resource changed');
  if (typeof payload.iat === 'number' && payload.iat > nowSeconds + CLOCK_SKEW_SECONDS) {
    throw bad('iat is in the future');
  }
  if (typeof payload.jti !== 'string' || !payload.jti) throw bad('jti is required');

  await deps.db.delete(oauthAssertionJtis).where(lt(oauthAssertionJtis.expiresAt, now));
  const accepted = await deps.db
    .insert(oauthAssertionJtis)
    .values({
      issuer: idp.issuer,
      jti: payload.jti,
      expiresAt: new Date((payload.exp! + CLOCK_SKEW_SECONDS) * 1000),
    })
    .onConflictDoNothing()
    .returning({ jti: oauthAssertionJtis.jti });
  if (accepted.length === 0) throw bad('the assertion was replayed (jti already used)');

  const caller = await resolveIdpCaller(deps.db, idp, payload, {
    allowJit: target.tenant.allowJitUsers,
    ...(deps.plans ? { plans: deps.plans } : {}),
  });
  if (!caller.user)
    throw bad(
      caller.reason === 'member_limit'
        ? "the subject would join this organization, which has reached its plan's members limit"
        : 'the subject is not a member of this organization',
    );
  const { user } = caller;
  try {
    await userMayAuthorize(deps, target, user.userId, user.teamIds);
  } catch {
    throw bad('this gateway is not shared with the subject');
  }

  const granted = typeof payload.scope === 'string' ? parseScope(payload.scope) : [...SUPPORTED_SCOPES];
  const requestedParam = form.get('scope');
  const requested = requestedParam ? parseScope(requestedParam) : granted;
  const scopes = requested
    .filter((s) => granted.includes(s) && (SUPPORTED_SCOPES as readonly string[]).includes(s))
    .sort();
  if (scopes.length === 0)
    throw new OAuthError('invalid_scope', 'no requested scope is granted by the assertion');

  const { token, expiresIn } = await signAccessToken(
    deps.db,
    deps.keys,
    {
      iss: deps.issuer,
      sub: user.userId,
      aud: target.resource,
      jti: randomUUID(),
      client_id: client.clientId,
      scope: scopes.join(' '),
      tid: target.tenant.id,
      gid: target.gateway.id,
    },
    now,
  );
  return { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: scopes.join(' ') };
}
