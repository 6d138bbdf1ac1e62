/**
 * A server bound to loopback or to every address is reached from this machine as `localhost`:
 * the host the public URLs default to, and the one browsers and MCP clients treat as secure.
 */
export function reachableHost(host: string): string {
  if (['127.0.0.1', '::1', '0.0.0.0', '::', 'localhost'].includes(host)) return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/** Where a server listening on `host:port` is reached from this machine. */
export const localUrl = (host: string, port: number): string => `http://${reachableHost(host)}:${port}`;

/**
 * The default public URL of a server that will listen on `host:port`, unknown for port 0 (any free
 * port) until it listens.
 */
export const defaultPublicUrl = (host: string, port: number): string | undefined =>
  port ? localUrl(host, port) : undefined;

/** Whether two base URLs name the same server on this machine (`127.0.0.1` and `localhost` alike). */
export function sameServer(a: string, b: string): boolean {
  const [x, y] = [new URL(a), new URL(b)];
  const host = (u: URL) => reachableHost(u.hostname.replace(/^\[|\]$/g, ''));
  return x.protocol === y.protocol && x.port === y.port && host(x) === host(y) && x.pathname === y.pathname;
}
