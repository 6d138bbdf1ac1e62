import type { InvalidationMessage } from '@toolgate/bus';
import type { ForwardedJwts } from '../../backend/forwarded-jwt.ts';
import type { ApiTokenAuthenticator } from './api-token-authenticator.ts';
import type { IdpJwtAuthenticator } from './idp-jwt-authenticator.ts';
import type { OAuthAuthenticator } from './oauth-authenticator.ts';
import type { UserPrincipals } from './user-principals.ts';

export interface CachedCredentials {
  tokens: ApiTokenAuthenticator;
  oauth: OAuthAuthenticator;
  users: UserPrincipals;
  idpJwts: IdpJwtAuthenticator;
  forwardedJwts: ForwardedJwts;
}

/**
 * What each invalidation drops from the caches of credentials and principals, so a revoked token
 * or a changed user is refused or mapped afresh on its next request.
 */
export function forgetOnInvalidation({
  tokens,
  oauth,
  users,
  idpJwts,
  forwardedJwts,
}: CachedCredentials): (message: InvalidationMessage) => void {
  return (message) => {
    const { tenantId } = message;
    switch (message.kind) {
      case 'token':
        return tokens.forget(message.tokenHash);
      case 'revoked':
        forwardedJwts.revoke(message.revokedId);
        return oauth.revoke(message.revokedId);
      case 'user':
        users.forget(tenantId, message.userId);
        return idpJwts.forgetUser(tenantId, message.userId);
      case 'resync':
        // A missed change may have been anything, tenant-wide included.
        tokens.forgetTenant(tenantId);
        oauth.forgetTenant(tenantId);
        users.forgetTenant(tenantId);
        return idpJwts.forgetTenant(tenantId);
      case 'tenant':
        // Something tenant-wide changed (e.g. the JIT setting, teams): map users afresh.
        users.forgetTenant(tenantId);
        return idpJwts.forgetTenant(tenantId);
      case 'gateway':
        return;
    }
  };
}
