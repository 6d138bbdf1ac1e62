import type { Logger } from '@toolgate/core/logger';
import { createLogMailer } from './log-mailer.ts';
import type { Mailer } from './mailer.ts';
import { createSmtpMailer } from './smtp-mailer.ts';

export interface MailerConfig {
  /** SMTP_URL; unset: messages are logged. */
  smtpUrl?: string;
  /** MAIL_FROM; required with SMTP_URL (the app's env.ts enforces it). */
  from?: string;
  /** TOOLGATE_MAIL_OUTBOX_DIR, used only without SMTP. */
  outboxDir?: string;
  log: Logger;
}

/** SMTP when it is configured, the log otherwise. */
export function createMailer({ smtpUrl, from, outboxDir, log }: MailerConfig): Mailer {
  if (smtpUrl && from) return createSmtpMailer({ url: smtpUrl, from, log });
  return createLogMailer({ log, outboxDir });
}
