import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signatures of the requests Toolgate sends to endpoints a tenant configured (external guardrails,
 * approval webhooks): header `toolgate-signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
 * `${t}.${body}` with the endpoint's secret, as Stripe signs its webhooks. The timestamp inside the
 * signed text lets a receiver refuse replays older than its tolerance.
 */
export const SIGNATURE_HEADER = 'toolgate-signature';

/** How old a signature a receiver should accept by default. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

const hmac = (secret: string, timestamp: number, body: string): string =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');

/** The header value for `body`, signed at `now` (epoch milliseconds). */
export function signBody(secret: string, body: string, now = Date.now()): string {
  const t = Math.floor(now / 1000);
  return `t=${t},v1=${hmac(secret, t, body)}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'malformed' | 'stale' | 'mismatch' };

/**
 * Whether `header` signs `body` with `secret` within `toleranceSeconds` of `now`. Several `v1`
 * values are accepted (a sender may sign with an old and a new secret while rotating).
 */
export function verifySignature(
  secret: string,
  body: string,
  header: string | undefined,
  options: { now?: number; toleranceSeconds?: number } = {},
): SignatureCheck {
  if (!header) return { ok: false, reason: 'malformed' };
  let t: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (t === undefined || signatures.length === 0) return { ok: false, reason: 'malformed' };
  const now = options.now ?? Date.now();
  const tolerance = options.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
  if (Math.abs(Math.floor(now / 1000) - t) > tolerance) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(hmac(secret, t, body), 'hex');
  const matches = signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
  return matches ? { ok: true } : { ok: false, reason: 'mismatch' };
}
