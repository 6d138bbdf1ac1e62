import { isConnectionEvent } from './connection-events';

/** Why the proxy refused a caller (`deny:<reason>` in the audit log), in words. */
const DENY_REASONS: Record<string, string> = {
  missing: 'No token was sent',
  malformed: 'The token is malformed',
  unknown: 'The token is unknown (mistyped, or from another installation of Toolgate)',
  expired: 'The token has expired',
  revoked: 'The token was revoked',
  wrong_tenant: 'The token belongs to another workspace',
  wrong_gateway: 'The token may not call this gateway',
  wrong_audience: 'The token was issued for another gateway',
  wrong_issuer: 'The token’s issuer is not trusted by this gateway',
  not_member: 'The caller is not a member of this workspace',
  insufficient_scope: 'The token lacks the scope this call needs',
  method_not_allowed: 'This gateway does not accept this kind of credential',
  no_mcp_capability: 'The token may not call gateways (it is for the REST API only)',
  not_visible: 'The gateway is not shared with the caller',
};

/** Why connecting, refreshing or disconnecting an account did not succeed (`connection/*` events). */
const CONNECTION_REASONS: Record<string, string> = {
  forbidden: 'The caller may not do this to this account',
  not_member: 'The user is no longer a member of this workspace',
  private_address: 'The server’s metadata led to a private address, which Toolgate refuses',
  wrong_resource: 'The server’s metadata or authorization server is for another resource',
  wrong_issuer: 'The answer came from another authorization server than the one asked',
  state_unknown: 'The sign-in matched none in progress (already completed, expired, or forged)',
  state_expired: 'The sign-in took too long',
  wrong_user: 'Another user completed a sign-in someone else started',
  upstream_refused: 'Access was denied at the server',
  upstream_error: 'The server sent the user back with an error',
  no_code: 'The server sent the user back without an authorization code',
  client_gone: 'Toolgate’s registration at the server is gone',
  token_refused: 'The server refused to issue tokens for the code',
  token_failed: 'The server’s token endpoint failed',
  entry_removed: 'The server was removed from the registry meanwhile',
  discovery_failed: 'The server’s authorization server could not be found or used',
  refresh_refused: 'The server refused the refresh token (revoked or expired there)',
  wrong_audience: 'The server issued a token for another audience than the one asked for',
  no_refresh_token: 'The server issued no refresh token',
  invalid: 'The request was not valid',
  internal: 'Toolgate failed unexpectedly',
};

/** Tool-call policy outcomes (`deny:<kind>:<policy or request id>`, docs/policies.md). */
const POLICY_REASONS: Record<string, string> = {
  policy: 'A tool-call policy refused the call',
  declined: 'The caller did not confirm the call a policy asked them to confirm',
  needs_confirmation: 'A policy asks the caller to confirm, and their client cannot show the question',
  approval: 'The approvers did not approve the call',
  approval_unavailable: 'The call needed an approval that could not be asked for',
  policy_unavailable: 'The gateway could not check its policies',
};

export const denyReasonText = (reason: string, method?: string): string => {
  const colon = reason.indexOf(':');
  const kind = colon < 0 ? reason : reason.slice(0, colon);
  const policy = POLICY_REASONS[kind];
  if (policy && !(method && isConnectionEvent(method)))
    return colon < 0 ? policy : `${policy} (${reason.slice(colon + 1)})`;
  return (
    (method && isConnectionEvent(method) ? CONNECTION_REASONS[reason] : DENY_REASONS[reason]) ??
    `Refused (${reason.replaceAll('_', ' ')})`
  );
};
