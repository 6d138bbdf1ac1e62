import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@toolgate/core/logger';
import type { Mailer, MailMessage } from './mailer.ts';

export interface LogMailerOptions {
  log: Logger;
  /**
   * TOOLGATE_MAIL_OUTBOX_DIR: also write each message there as a JSON file (browser tests read
   * their links from it). Files only, readable by the server's user: nothing is served.
   */
  outboxDir?: string;
}

/**
 * Without SMTP nothing can be emailed, so the message — link included — goes to the log at info
 * level for an operator to pass on. This is the one place a reset or invitation link is logged.
 */
export function createLogMailer({ log, outboxDir }: LogMailerOptions): Mailer {
  return {
    delivers: false,
    async send(message: MailMessage) {
      log.info(
        { mail: { kind: message.kind, to: message.to, subject: message.subject, link: message.link } },
        'email not sent (SMTP_URL is not set); pass this link on to its recipient',
      );
      if (!outboxDir) return;
      await mkdir(outboxDir, { recursive: true, mode: 0o700 });
      const file = path.join(outboxDir, `${Date.now()}-${randomUUID()}.json`);
      const body = JSON.stringify({ ...message, sentAt: new Date().toISOString() }, null, 2);
      // Written under a temporary name and renamed, so a reader never sees half a file.
      await writeFile(`${file}.tmp`, body, { mode: 0o600 });
      await rename(`${file}.tmp`, file);
    },
  };
}
