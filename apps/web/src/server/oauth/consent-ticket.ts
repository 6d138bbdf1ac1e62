import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { ValidatedAuthorization } from '@toolgate/auth/authorize';
import { openString, seal, type KeyRing } from '@toolgate/core/crypto';

/**
 * The validated authorization request travels from /oauth/authorize to the consent page and its
 * decision sealed (AES-GCM, key ring) together with the user it was shown to and an expiry, so the
 * page and the decision endpoint never re-read raw query parameters a third party could edit.
 */
export interface ConsentTicket {
  request: ValidatedAuthorization;
  userId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export const CONSENT_TICKET_TTL_MS = 10 * 60 * 1000;
const AAD = 'oauth-consent';
const CSRF_INFO = 'toolgate/web/oauth-consent-csrf/v1';

export function sealConsentTicket(
  keys: KeyRing,
  request: ValidatedAuthorization,
  userId: string,
  now = new Date(),
): string {
  const ticket: ConsentTicket = { request, userId, expiresAt: now.getTime() + CONSENT_TICKET_TTL_MS };
  return seal(keys, JSON.stringify(ticket), AAD);
}

/** The ticket, or null when it was tampered with, sealed by a key no longer held, or expired. */
export function openConsentTicket(keys: KeyRing, sealed: string, now = new Date()): ConsentTicket | null {
  let ticket: ConsentTicket;
  try {
    ticket = JSON.parse(openString(keys, sealed, AAD)) as ConsentTicket;
  } catch {
    return null;
  }
  if (typeof ticket.expiresAt !== 'number' || ticket.expiresAt <= now.getTime()) return null;
  return ticket;
}

/** A key of its own for CSRF tokens, derived from the primary key so it rotates with the ring. */
function csrfKey(keys: KeyRing): Buffer {
  const key = keys.keys.get(keys.primaryId)!;
  return Buffer.from(hkdfSync('sha256', key, keys.primaryId, CSRF_INFO, 32));
}

/** Binds the consent form to the session's user and this very ticket. */
export function consentCsrfToken(keys: KeyRing, sealedTicket: string, sessionUserId: string): string {
  return createHmac('sha256', csrfKey(keys)).update(`${sessionUserId}\n${sealedTicket}`).digest('base64url');
}

export function verifyConsentCsrfToken(
  keys: KeyRing,
  sealedTicket: string,
  sessionUserId: string,
  token: string | null,
): boolean {
  if (!token) return false;
  const expected = Buffer.from(consentCsrfToken(keys, sealedTicket, sessionUserId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
