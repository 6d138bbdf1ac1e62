/**
 * Connected accounts' events in the audit log (`connection/*`, written by the control plane, see
 * packages/api/src/services/connections/connection-audit.ts): not calls through a gateway, so they
 * get a name of their own where calls show a tool or an MCP method.
 */
const CONNECTION_EVENT_LABELS: Record<string, string> = {
  'connection/start': 'Account connection started',
  'connection/complete': 'Account connected',
  'connection/refresh': 'Account refresh',
  'connection/delete': 'Account disconnected',
};

const FAILED_LABELS: Record<string, string> = {
  'connection/start': 'Account connection not started',
  'connection/complete': 'Account not connected',
  'connection/refresh': 'Account needs reconnecting',
  'connection/delete': 'Account not disconnected',
};

export const isConnectionEvent = (method: string): boolean => method in CONNECTION_EVENT_LABELS;

/** What happened, in words: "Account connected", or "Account not connected" when it failed. */
export const connectionEventLabel = (method: string, status: string): string =>
  (status === 'ok' ? CONNECTION_EVENT_LABELS[method] : FAILED_LABELS[method]) ?? method;
