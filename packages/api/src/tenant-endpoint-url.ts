import { createSsrfGuard, SsrfGuardError } from '@toolgate/net/ssrf-guard';
import { idpUrlIssue } from './identity-provider-urls.ts';

const isLoopbackHost = (host: string): boolean =>
  host === 'localhost' ||
  host.endsWith('.localhost') ||
  /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
  host === '::1';

/**
 * Endpoints of a tenant's that Toolgate sends tool calls' arguments and results to (approval
 * webhooks, external guardrails). Why such a URL is refused by its form alone, or undefined:
 * https, no credentials in it, no private or loopback literal unless the operator allows private
 * upstreams (TOOLGATE_ALLOW_PRIVATE_UPSTREAMS), and then plain http only to this machine. Checked
 * when saved and again before each request, so a switch turned off since refuses what it let
 * through.
 */
export function endpointUrlFormIssue(value: string, allowPrivate: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a URL';
  }
  if (url.username || url.password) return 'must not carry a user name or password';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (url.protocol === 'http:') {
    if (!allowPrivate) return 'must be an https:// URL';
    return isLoopbackHost(host) ? undefined : 'must be an https:// URL (plain http only to localhost)';
  }
  return idpUrlIssue(value, allowPrivate);
}

/**
 * endpointUrlFormIssue, and the SSRF guard on the host's addresses now: a name resolving into a
 * private network is refused when saved. A name that does not resolve (yet) is accepted: every
 * delivery goes through the guard again, at connect time.
 */
export async function endpointUrlIssue(value: string, allowPrivate: boolean): Promise<string | undefined> {
  const issue = endpointUrlFormIssue(value, allowPrivate);
  if (issue) return issue;
  try {
    await createSsrfGuard({ allowPrivate })(new URL(value));
  } catch (err) {
    if (!(err instanceof SsrfGuardError)) throw err;
    if (err.kind === 'blocked') return 'must not point to a private or loopback address';
  }
  return undefined;
}

/** The URL as the audit log keeps it: no query string or fragment (they may carry a token). */
export function auditableUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return '';
  }
}
