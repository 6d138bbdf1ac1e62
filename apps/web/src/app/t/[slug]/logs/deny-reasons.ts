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

export const denyReasonText = (reason: string): string =>
  DENY_REASONS[reason] ?? `Refused (${reason.replaceAll('_', ' ')})`;
