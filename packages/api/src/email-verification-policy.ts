/**
 * TOOLGATE_EMAIL_VERIFICATION: whether people who sign up with a password prove their address
 * (with an emailed link) before they create API tokens, install servers or invite people.
 * - `auto` (default): required when mail leaves the server (SMTP_URL set), off otherwise: a
 *   self-hosted `npm start` with no mail server does not send its first user to the server log.
 * - `required`: always; without SMTP the link is in the web server's log (tests read it from the
 *   mail outbox).
 * - `off`: accounts are verified as they are created; no link is sent.
 * Sign-up decides once, when the account is created; `requireVerifiedEmail` only reads the result.
 */
export const EMAIL_VERIFICATION_MODES = ['auto', 'required', 'off'] as const;
export type EmailVerificationMode = (typeof EMAIL_VERIFICATION_MODES)[number];

/** Whether a new account starts unverified (and is sent a link), given whether mail is delivered. */
export function emailVerificationRequired(
  mode: EmailVerificationMode,
  { mailDelivers }: { mailDelivers: boolean },
): boolean {
  if (mode === 'auto') return mailDelivers;
  return mode === 'required';
}
