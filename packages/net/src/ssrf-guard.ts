import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The one SSRF guard for every server-side fetch of a tenant-supplied URL (upstreams, CIMD, JWKS,
 * OAuth metadata): only http/https, and no host resolving to a loopback, private, link-local
 * (cloud metadata), CGNAT, unique-local, multicast or otherwise non-public address, unless the
 * operator allows private upstreams.
 */
export interface SsrfGuardOptions {
  allowPrivate: boolean;
  /** Resolves a host name to its addresses; default: the system resolver (`dns.lookup`, all). */
  resolve?: (host: string) => Promise<string[]>;
}

/**
 * What the guard throws: `blocked` for a refused URL or address, `connect` for a host that does
 * not resolve. Callers translate it (the upstream pool into an upstream error of the same kind);
 * the message names the host, never the path or query.
 */
export class SsrfGuardError extends Error {
  constructor(
    readonly kind: 'blocked' | 'connect',
    message: string,
  ) {
    super(message);
    this.name = 'SsrfGuardError';
  }
}

/**
 * The guard is the `checkUrl` function itself (hand it to the upstream pool as is), with the
 * connect-time `lookup` attached.
 */
export interface SsrfGuard {
  /**
   * Throws SsrfGuardError('blocked') for a refused URL, ('connect') for a host that does not
   * resolve.
   */
  (url: URL): Promise<void>;
  /** The same function, for callers that prefer `{ checkUrl: guard.checkUrl }`. */
  checkUrl: (url: URL) => Promise<void>;
  /**
   * A `net` lookup that applies the same rule to the addresses actually connected to. Give it to
   * HTTP agents (the upstream pool's `lookup` option): checking only before connecting leaves a
   * window for DNS rebinding, where the second resolution answers a private address.
   */
  lookup: LookupFunction;
}

const ALLOW_HINT = 'set TOOLGATE_ALLOW_PRIVATE_UPSTREAMS=true to allow';

/** Ranges whose addresses carry an IPv4 address that decides where the packets really go. */
function embeddedIpv4(address: ipaddr.IPv6, range: string): ipaddr.IPv4 | undefined {
  const bytes = address.toByteArray();
  switch (range) {
    case 'ipv4Mapped':
      return address.toIPv4Address();
    case 'rfc6145':
    case 'rfc6052':
      return new ipaddr.IPv4(bytes.slice(12, 16));
    case '6to4':
      return new ipaddr.IPv4(bytes.slice(2, 6));
    default:
      return undefined;
  }
}

/** True for addresses on the public internet; everything special-purpose is refused. */
export function isPublicAddress(text: string): boolean {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.parse(text);
  } catch {
    return false;
  }
  const range = address.range();
  if (range === 'unicast') return true;
  if (address.kind() === 'ipv6') {
    const inner = embeddedIpv4(address as ipaddr.IPv6, range);
    return inner !== undefined && inner.range() === 'unicast';
  }
  return false;
}

function blocked(host: string): SsrfGuardError {
  return new SsrfGuardError(
    'blocked',
    `Outbound request refused: ${host} resolves to a private address (${ALLOW_HINT})`,
  );
}

function systemResolve(host: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) => {
      if (error) reject(error);
      else resolve(addresses.map((entry) => entry.address));
    });
  });
}

export function createSsrfGuard(options: SsrfGuardOptions): SsrfGuard {
  const resolve = options.resolve ?? systemResolve;

  async function addressesOf(host: string): Promise<string[]> {
    try {
      const addresses = await resolve(host);
      if (addresses.length > 0) return addresses;
    } catch {
      // Reported below without the resolver's own wording.
    }
    throw new SsrfGuardError('connect', `${host} could not be resolved`);
  }

  async function checkUrl(url: URL): Promise<void> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new SsrfGuardError(
        'blocked',
        `Outbound request refused: only http and https URLs are allowed, not ${url.protocol}`,
      );
    }
    if (options.allowPrivate) return;
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    // WHATWG URL parsing already turned 0x7f.1, 2130706433 and friends into dotted quads.
    const addresses = ipaddr.isValid(host) ? [host] : await addressesOf(host);
    // Any refused address refuses the host: the connection may pick any of them.
    if (!addresses.every(isPublicAddress)) throw blocked(host);
  }

  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    const done = (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]): void => {
      if (error !== null) {
        callback(error, '', 0);
      } else if (lookupOptions.all === true) {
        (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
      } else {
        const first = addresses[0]!;
        callback(null, first.address, first.family);
      }
    };
    const family =
      lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 'IPv6' ? 6 : lookupOptions.family;
    addressesOf(hostname).then(
      (found) => {
        if (!options.allowPrivate && !found.every(isPublicAddress)) {
          done(blocked(hostname), []);
          return;
        }
        const entries = found
          .map((address) => ({ address, family: ipaddr.parse(address).kind() === 'ipv6' ? 6 : 4 }))
          .filter((entry) => family === undefined || family === 0 || entry.family === family);
        if (entries.length === 0)
          done(
            Object.assign(new Error(`${hostname} has no address of the requested family`), {
              code: 'ENOTFOUND',
            }),
            [],
          );
        else done(null, entries);
      },
      (error: unknown) => done(error as NodeJS.ErrnoException, []),
    );
  };

  return Object.assign(checkUrl, { checkUrl, lookup });
}
