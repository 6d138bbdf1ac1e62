import type { InstallationRequest } from '@toolgate/api/schemas/installation-requests';
import type { Installation } from '@toolgate/api/schemas/installations';
import type { RegistryEntry } from '@toolgate/api/schemas/registry';

export const TRANSPORT_LABELS: Record<RegistryEntry['transport'], string> = {
  streamable_http: 'Streamable HTTP',
  sse: 'SSE',
  stdio: 'stdio',
  builtin: 'Built in',
};

export const AUTH_LABELS: Record<RegistryEntry['authKind'], string> = {
  none: 'No auth',
  header: 'Header',
  oauth: 'OAuth',
  // Callers' tokens reach the server through a pass-through gateway only (docs/authentication.md).
  oauth_passthrough: 'OAuth pass-through (pass-through gateways only)',
  jwt: 'Forwarded JWT',
  token_exchange: 'Token exchange (RFC 8693)',
  id_jag: 'ID-JAG (enterprise-managed authorization)',
};

export const REQUEST_STATUS_LABELS: Record<InstallationRequest['status'], string> = {
  pending: 'Pending',
  approved: 'Approved',
  rejected: 'Rejected',
  cancelled: 'Cancelled',
};

/** Kept in step with @toolgate/api's stdio policy, which answers with the same sentence. */
export const STDIO_UNAVAILABLE = 'Local (stdio) servers are disabled on this deployment.';

/** "Organization", "Team: Design", "Personal": who an installation (or a request) is for. */
export function scopeLabel(
  item: Pick<Installation, 'scope' | 'teamId'>,
  teamNames: ReadonlyMap<string, string>,
): string {
  if (item.scope === 'org') return 'Organization';
  if (item.scope === 'personal') return 'Personal';
  return `Team: ${(item.teamId && teamNames.get(item.teamId)) ?? 'unknown team'}`;
}

/**
 * Whether the caller may change an installation: owners and admins, the maintainers of a team's
 * (`maintained`: the teams the caller maintains), or the owner of a personal one.
 */
export const canManage = (
  installation: Installation,
  isAdmin: boolean,
  userId: string,
  maintained: ReadonlySet<string> = new Set(),
): boolean =>
  isAdmin ||
  (installation.scope === 'personal' && installation.userId === userId) ||
  (installation.scope === 'team' && installation.teamId !== null && maintained.has(installation.teamId));
