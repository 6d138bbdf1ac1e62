import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from '@toolgate/core/logger';
import { afterEach, describe, expect, it } from 'vitest';
import { createMailer } from './create-mailer.ts';
import { createLogMailer } from './log-mailer.ts';
import { passwordResetMail } from './messages.ts';

/** Records what would be logged. */
function recordingLogger() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) =>
    lines.push({ level, obj, msg });
  const log = { info: at('info'), warn: at('warn'), error: at('error') } as unknown as Logger;
  return { log, lines };
}

const message = passwordResetMail({
  to: 'ada@example.test',
  link: 'http://web.test/reset-password?token=abc',
  validMinutes: 60,
});

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('log mailer', () => {
  it('logs the link at info level for an operator to pass on, and says it delivers nothing', async () => {
    const { log, lines } = recordingLogger();
    const mailer = createLogMailer({ log });
    expect(mailer.delivers).toBe(false);
    await mailer.send(message);
    expect(lines).toEqual([
      {
        level: 'info',
        obj: {
          mail: {
            kind: 'password-reset',
            to: 'ada@example.test',
            subject: message.subject,
            link: 'http://web.test/reset-password?token=abc',
          },
        },
        msg: expect.stringContaining('SMTP_URL is not set') as string,
      },
    ]);
  });

  it('also writes each message to the outbox directory when one is configured', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tg-outbox-'));
    dirs.push(dir);
    const outbox = path.join(dir, 'nested', 'outbox');
    const mailer = createLogMailer({ log: recordingLogger().log, outboxDir: outbox });
    await mailer.send(message);
    await mailer.send({ ...message, to: 'grace@example.test' });

    const files = (await readdir(outbox)).sort();
    expect(files).toHaveLength(2);
    expect(files.every((f) => f.endsWith('.json'))).toBe(true);
    const written = await Promise.all(
      files.map(
        async (f) => JSON.parse(await readFile(path.join(outbox, f), 'utf8')) as Record<string, unknown>,
      ),
    );
    expect(written.map((m) => m.to).sort()).toEqual(['ada@example.test', 'grace@example.test']);
    expect(written[0]).toMatchObject({ kind: 'password-reset', link: message.link, text: message.text });
    // Only the server's user may read the links.
    expect((await stat(path.join(outbox, files[0]!))).mode & 0o077).toBe(0);
  });
});

describe('createMailer', () => {
  it('uses SMTP only when both SMTP_URL and MAIL_FROM are set', () => {
    const { log } = recordingLogger();
    expect(createMailer({ log }).delivers).toBe(false);
    expect(createMailer({ log, smtpUrl: 'smtp://127.0.0.1:1' }).delivers).toBe(false);
    expect(createMailer({ log, smtpUrl: 'smtp://127.0.0.1:1', from: 'Toolgate <a@b.test>' }).delivers).toBe(
      true,
    );
  });
});
