import { EnvError, parseEnv } from '@toolgate/core/env';
import { describe, expect, it } from 'vitest';
import { ZWebEnv } from './env.ts';

const base = {
  DATABASE_URL: 'postgres://db.internal:5432/toolgate',
  NEXTAUTH_SECRET: 'x'.repeat(32),
};

const issues = (source: Record<string, string>) => {
  try {
    parseEnv(ZWebEnv, { ...base, ...source });
    return [];
  } catch (err) {
    if (err instanceof EnvError) return err.issues;
    throw err;
  }
};

describe('web env: outgoing mail', () => {
  it('logs links when SMTP is not configured', () => {
    const env = parseEnv(ZWebEnv, base);
    expect(env.SMTP_URL).toBeUndefined();
    expect(env.MAIL_FROM).toBeUndefined();
    // Empty means unset.
    expect(parseEnv(ZWebEnv, { ...base, SMTP_URL: '', MAIL_FROM: '' }).SMTP_URL).toBeUndefined();
  });

  it('takes an smtp:// or smtps:// relay with a From address', () => {
    const env = parseEnv(ZWebEnv, {
      ...base,
      SMTP_URL: 'smtps://user:pass@smtp.example.com:465',
      MAIL_FROM: 'Toolgate <no-reply@example.com>',
    });
    expect(env).toMatchObject({ SMTP_URL: 'smtps://user:pass@smtp.example.com:465' });
  });

  it('names the variable that is wrong', () => {
    expect(issues({ SMTP_URL: 'smtp://smtp.example.com:587' })).toEqual([
      'MAIL_FROM: required when SMTP_URL is set (missing)',
    ]);
    expect(issues({ SMTP_URL: 'https://smtp.example.com', MAIL_FROM: 'a@b.test' })[0]).toMatch(
      /^SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/,
    );
    expect(issues({ MAIL_FROM: 'Toolgate' })[0]).toMatch(/^MAIL_FROM: must contain an email address/);
  });
});

describe('web env: email verification', () => {
  it('is auto unless set: required with SMTP, off without', () => {
    expect(parseEnv(ZWebEnv, base).TOOLGATE_EMAIL_VERIFICATION).toBe('auto');
    expect(parseEnv(ZWebEnv, { ...base, TOOLGATE_EMAIL_VERIFICATION: '' }).TOOLGATE_EMAIL_VERIFICATION).toBe(
      'auto',
    );
  });

  it('takes required or off, and names the variable for anything else', () => {
    for (const mode of ['auto', 'required', 'off'] as const) {
      expect(
        parseEnv(ZWebEnv, { ...base, TOOLGATE_EMAIL_VERIFICATION: mode }).TOOLGATE_EMAIL_VERIFICATION,
      ).toBe(mode);
    }
    const [issue] = issues({ TOOLGATE_EMAIL_VERIFICATION: 'yes' });
    expect(issue).toMatch(/^TOOLGATE_EMAIL_VERIFICATION: /);
    expect(issue).toContain('"required"');
  });
});
