export { completeConnection, type CallbackParams, type CompletedConnection } from './complete-connection.ts';
export {
  CONNECTION_FAILURE_REASONS,
  CONNECTION_METHODS,
  type ConnectionFailureReason,
  type ConnectionMethod,
} from './connection-audit.ts';
export { connectionUrls, STATE_TTL_MS } from './connection-urls.ts';
export { deleteConnection } from './delete-connection.ts';
export { listConnections } from './list-connections.ts';
export { refreshConnection, type RefreshOutcome, type RefreshTrigger } from './refresh-connection.ts';
export { startConnection } from './start-connection.ts';
export { refreshDueConnections } from './refresh-due-connections.ts';
export { setUpstreamClient } from './set-upstream-client.ts';
