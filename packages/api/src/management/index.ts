/** The built-in management server `toolgate`, for the proxy to run in-process. */
export { ManagementServer, MANAGEMENT_SERVER_SLUG, type ManagementResult } from './management-server.ts';
export type { ManagementPrincipal } from './caller.ts';
