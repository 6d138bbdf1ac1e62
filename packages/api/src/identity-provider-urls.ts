import { isPublicAddress } from '@toolgate/net/ssrf-guard';

/**
 * Why an issuer or JWKS URL of an identity provider is refused, or undefined. https only, and no
 * loopback or private literal address, unless the operator allows private upstreams (then http
 * too, for IdPs on a private network or in tests). Host names are checked again by the SSRF guard
 * when the JWKS is fetched.
 */
export function idpUrlIssue(value: string, allowPrivate: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a URL';
  }
  if (allowPrivate)
    return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : 'must be an https:// URL';
  if (url.protocol !== 'https:') return 'must be an https:// URL';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = /^[\d.]+$/.test(host) || host.includes(':');
  if (host === 'localhost' || host.endsWith('.localhost') || (literal && !isPublicAddress(host)))
    return 'must not point to a private or loopback address';
  return undefined;
}
