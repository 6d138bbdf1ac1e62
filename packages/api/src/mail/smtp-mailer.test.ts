import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@toolgate/core/logger';
import { afterEach, describe, expect, it } from 'vitest';
import { passwordResetMail } from './messages.ts';
import { createSmtpMailer } from './smtp-mailer.ts';

interface Received {
  from: string;
  to: string[];
  data: string;
}

/** Just enough of an SMTP server (RFC 5321, no TLS, no auth) to receive what the mailer sends. */
async function startSmtpServer(options: { rejectRecipients?: boolean } = {}) {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffer = '';
    let inData = false;
    let current: Received = { from: '', to: [], data: '' };
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 test.local ESMTP');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end === -1) return;
          current.data = buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          inData = false;
          received.push(current);
          current = { from: '', to: [], data: '' };
          reply('250 OK queued');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol === -1) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        switch (verb) {
          case 'EHLO':
          case 'HELO':
            reply('250 test.local');
            break;
          case 'MAIL':
            current.from = line;
            reply('250 OK');
            break;
          case 'RCPT':
            if (options.rejectRecipients) {
              reply('550 No such user');
            } else {
              current.to.push(line);
              reply('250 OK');
            }
            break;
          case 'DATA':
            inData = true;
            reply('354 End data with <CR><LF>.<CR><LF>');
            break;
          case 'RSET':
          case 'NOOP':
            reply('250 OK');
            break;
          case 'QUIT':
            reply('221 Bye');
            socket.end();
            break;
          default:
            reply('502 Command not implemented');
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const silent = () => {
  const warnings: unknown[] = [];
  const log = {
    warn: (obj: unknown) => warnings.push(obj),
    info: () => {},
    error: () => {},
  } as unknown as Logger;
  return { log, warnings };
};

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const message = passwordResetMail({
  to: 'ada@example.test',
  link: 'http://web.test/reset-password?token=secret-token-value',
  validMinutes: 60,
});

describe('SMTP mailer', () => {
  it('hands the message to the relay with the configured From', async () => {
    const smtp = await startSmtpServer();
    close = smtp.close;
    const mailer = createSmtpMailer({
      url: smtp.url,
      from: 'Toolgate <no-reply@toolgate.test>',
      log: silent().log,
    });
    expect(mailer.delivers).toBe(true);
    await mailer.send(message);

    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail!.from).toContain('<no-reply@toolgate.test>');
    expect(mail!.to).toEqual([expect.stringContaining('<ada@example.test>')]);
    expect(mail!.data).toMatch(/^Subject: Reset your Toolgate password$/m);
    expect(mail!.data).toMatch(/^From: Toolgate <no-reply@toolgate\.test>$/m);
    expect(mail!.data).toContain('multipart/alternative');
    // Quoted-printable may wrap long lines; the link survives unwrapped.
    expect(mail!.data.replace(/=\r\n/g, '')).toContain('secret-token-value');
  });

  it('rejects when the relay refuses, logging why without the link', async () => {
    const smtp = await startSmtpServer({ rejectRecipients: true });
    close = smtp.close;
    const { log, warnings } = silent();
    const mailer = createSmtpMailer({ url: smtp.url, from: 'no-reply@toolgate.test', log });
    await expect(mailer.send(message)).rejects.toThrow();
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings)).toContain('ada@example.test');
    expect(JSON.stringify(warnings)).not.toContain('secret-token-value');
  });
});
