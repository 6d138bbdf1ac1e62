/**
 * TOOLGATE_ALLOW_STDIO off: what the control plane (refusing to create or install) and the proxy
 * (refusing to start) say about a local (stdio) server, so users see one message.
 */
export const STDIO_DISABLED_MESSAGE = 'local (stdio) servers are disabled on this deployment';
