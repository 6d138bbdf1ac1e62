import { coversServer } from '@toolgate/auth/upstream-client';
/**
 * RFC 8707: Toolgate asks for tokens for one resource (the MCP server's URL, as its metadata names
 * it); an authorization server that issues them for another audience (another resource server,
 * or a default of its own) gives a token the server would refuse, or worse one meant for
 * elsewhere. Only JWT access tokens say their audience: opaque ones (and encrypted JWTs) cannot be
 * checked here, only by the resource server or introspection, so they pass.
 */

/**
 * The `aud` of a JWT access token, read without verifying its signature: it came straight from the
 * token endpoint Toolgate asked, and Toolgate is not its audience (the resource server verifies
 * it). Undefined for opaque tokens and JWTs without `aud`.
 */
export function jwtAudiences(token: string): string[] | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null) return undefined;
  const { aud } = payload as { aud?: unknown };
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud) && aud.length > 0 && aud.every((a) => typeof a === 'string')) return aud;
  return undefined;
}

/** Whether a token for `audience` may be used at `resource` (as discovery accepts metadata). */
export function audienceCovers(audience: string, resource: string): boolean {
  return audience === resource || coversServer(audience, resource);
}

/** The audiences of a JWT access token when none covers `resource`; undefined when it may be used. */
export function otherAudience(accessToken: string, resource: string): string[] | undefined {
  const audiences = jwtAudiences(accessToken);
  if (!audiences || audiences.some((aud) => audienceCovers(aud, resource))) return undefined;
  return audiences;
}

/** What the person is told of a token for another audience. */
export const otherAudienceMessage = (audiences: readonly string[], resource: string): string =>
  `The server issued a token for ${audiences.map((a) => a.slice(0, 200)).join(', ')}, not for ${resource.slice(0, 200)}`;
