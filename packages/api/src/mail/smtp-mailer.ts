import type { Logger } from '@toolgate/core/logger';
import nodemailer from 'nodemailer';
import type { Mailer, MailMessage } from './mailer.ts';

export interface SmtpMailerOptions {
  /** smtp://user:pass@host:587 (STARTTLS when offered) or smtps://…:465. */
  url: string;
  /** The From header: "Toolgate <no-reply@example.com>". */
  from: string;
  log: Logger;
}

/** Sends through an SMTP relay; failures are logged (without the link) and rethrown. */
export function createSmtpMailer({ url, from, log }: SmtpMailerOptions): Mailer {
  const transport = nodemailer.createTransport({
    url,
    // A stuck relay must not hold a request (or a background task) for nodemailer's 2 minutes.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    delivers: true,
    async send(message: MailMessage) {
      try {
        await transport.sendMail({
          from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
        });
      } catch (err) {
        log.warn(
          { err: (err as Error).message, mail: { kind: message.kind, to: message.to } },
          'could not send email',
        );
        throw err;
      }
    },
  };
}
