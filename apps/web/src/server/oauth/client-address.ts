import { isIP } from 'node:net';

/** The bucket for requests whose address cannot be told: they share one allowance. */
export const UNKNOWN_CLIENT_ADDRESS = 'unknown';

/**
 * Set by Toolgate's own web server (web-server.ts) on every request from the socket's peer address,
 * replacing any value the client sent, so handlers — which see headers only — can rely on it.
 */
export const PEER_ADDRESS_HEADER = 'x-toolgate-peer-address';

/**
 * The client's IP address for rate limits. Directly exposed (`trustedProxyHops` 0): the socket's
 * peer, from PEER_ADDRESS_HEADER. Behind `trustedProxyHops` proxies, each appending the address it
 * saw to `X-Forwarded-For`: the entry that many places from the right is the one the outermost
 * trusted proxy saw (a shorter list: its first entry); entries further left are whatever the
 * client wrote. An address that cannot be told counts against one shared bucket.
 */
export function clientAddress(request: { headers: Pick<Headers, 'get'> }, trustedProxyHops: number): string {
  if (trustedProxyHops < 1) return normalised(request.headers.get(PEER_ADDRESS_HEADER) ?? '');
  const chain = (request.headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return normalised(chain[Math.max(0, chain.length - trustedProxyHops)] ?? '');
}

function normalised(address: string): string {
  // IPv4 clients of a dual-stack socket appear as ::ffff:a.b.c.d.
  const plain = address.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  return isIP(plain) ? plain : UNKNOWN_CLIENT_ADDRESS;
}
