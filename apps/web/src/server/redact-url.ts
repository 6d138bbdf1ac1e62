/**
 * Request URLs as logged. Invitation and password reset links carry their secret in the path or
 * the query (also URL-encoded, when sign-in carries one as its callbackUrl); in the access log it
 * would let anyone who reads the log use the link.
 */
const SECRET_IN_PATH = /((?:\/|%2F)invite(?:\/|%2F))[A-Za-z0-9_-]+/gi;
const SECRET_IN_QUERY = /(token(?:=|%3D))[A-Za-z0-9_-]+/gi;

export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(SECRET_IN_PATH, '$1[redacted]').replace(SECRET_IN_QUERY, '$1[redacted]');
}
