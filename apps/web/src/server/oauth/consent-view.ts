import type { ValidatedAuthorization } from '@toolgate/auth/authorize';
import { SCOPE_READ, SCOPE_TOOLS } from '@toolgate/auth/constants';
import type { KeyRing } from '@toolgate/core/crypto';
import { consentCsrfToken, openConsentTicket } from './consent-ticket.ts';

/** What each scope lets the application do, in the consent page's words. */
export const SCOPE_LABELS: Record<string, string> = {
  [SCOPE_TOOLS]: 'Call tools',
  [SCOPE_READ]: 'See tools, prompts and resources',
};

export type ConsentView =
  | {
      ok: true;
      request: ValidatedAuthorization;
      /** The sealed ticket and its CSRF token, posted back with the decision. */
      ticket: string;
      csrf: string;
      scopes: { scope: string; label: string }[];
      /** Registered by the tenant's admins; DCR and CIMD clients named themselves. */
      verified: boolean;
    }
  | { ok: false; reason: 'expired' | 'other-user' };

/** The consent page's content for a ticket and the signed-in user. */
export function consentView(keys: KeyRing, sealed: string, userId: string, now?: Date): ConsentView {
  const ticket = sealed ? openConsentTicket(keys, sealed, now) : null;
  if (!ticket) return { ok: false, reason: 'expired' };
  if (ticket.userId !== userId) return { ok: false, reason: 'other-user' };
  const request = ticket.request;
  return {
    ok: true,
    request,
    ticket: sealed,
    csrf: consentCsrfToken(keys, sealed, userId),
    scopes: request.scopes.map((scope) => ({ scope, label: SCOPE_LABELS[scope] ?? scope })),
    verified: request.client.kind === 'preregistered',
  };
}
