import type { Mailer, MailKind, MailMessage } from '../mail/mailer.ts';

/**
 * A mailer for tests that keeps what it is given: our own component standing in for SMTP (the
 * SMTP mailer has its own test against a listening server).
 */
export interface OutboxMailer extends Mailer {
  readonly messages: MailMessage[];
  /** The most recent message of this kind to this address, or undefined. */
  last(to: string, kind: MailKind): MailMessage | undefined;
  /** Makes the next sends fail, as an unreachable relay would. */
  failing: boolean;
}

export function createOutboxMailer(): OutboxMailer {
  const messages: MailMessage[] = [];
  const outbox: OutboxMailer = {
    delivers: true,
    messages,
    failing: false,
    async send(message) {
      if (outbox.failing) throw new Error('SMTP relay unreachable');
      messages.push(message);
    },
    last(to, kind) {
      return messages.findLast((m) => m.to === to.toLowerCase() && m.kind === kind);
    },
  };
  return outbox;
}
