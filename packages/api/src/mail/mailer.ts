/**
 * Outgoing email. The web app builds one mailer from its environment (SMTP when configured,
 * otherwise the log) and hands it to the services that send links; tests pass an outbox.
 */

export type MailKind =
  | 'password-reset'
  | 'invitation'
  | 'email-verification'
  | 'approval-request'
  | 'server-version-change'
  | 'quota-warning';

export interface MailMessage {
  kind: MailKind;
  to: string;
  subject: string;
  text: string;
  html: string;
  /**
   * The one link the message carries. A secret for its recipient: only the log mailer writes it
   * anywhere, because without SMTP an operator has to copy it by hand.
   */
  link: string;
}

export interface Mailer {
  /** True when messages leave the server (SMTP, or a test outbox standing in for it). */
  readonly delivers: boolean;
  /** Resolves once the message is handed over; rejects when it could not be. */
  send(message: MailMessage): Promise<void>;
}
