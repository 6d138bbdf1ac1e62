import { describe, expect, it } from 'vitest';
import { emailVerificationMail, invitationMail, passwordResetMail } from './messages.ts';

describe('mail messages', () => {
  it('puts the reset link in both parts and says how long it works', () => {
    const m = passwordResetMail({
      to: 'a@b.test',
      link: 'http://web.test/reset-password?token=t&x=1',
      validMinutes: 60,
    });
    expect(m).toMatchObject({
      kind: 'password-reset',
      to: 'a@b.test',
      subject: 'Reset your Toolgate password',
    });
    expect(m.text).toContain('http://web.test/reset-password?token=t&x=1');
    expect(m.text).toContain('60 minutes');
    expect(m.html).toContain('href="http://web.test/reset-password?token=t&amp;x=1"');
  });

  it('puts the verification link in both parts and says what waits for it', () => {
    const m = emailVerificationMail({
      to: 'a@b.test',
      link: 'http://web.test/verify-email/t',
      validHours: 24,
    });
    expect(m).toMatchObject({
      kind: 'email-verification',
      to: 'a@b.test',
      link: 'http://web.test/verify-email/t',
    });
    expect(m.subject).toBe('Verify your email address for Toolgate');
    expect(m.text).toContain('http://web.test/verify-email/t');
    expect(m.text).toContain('24 hours');
    expect(m.text).toContain('create API tokens');
    expect(m.html).toContain('href="http://web.test/verify-email/t"');
  });

  it('escapes names in the HTML part and keeps the subject on one line', () => {
    const m = invitationMail({
      to: 'a@b.test',
      link: 'http://web.test/invite/abc',
      tenantName: 'Acme <script>alert(1)</script>\r\nBcc: victim@example.test',
      inviterName: 'Eve "the" <b>admin</b>',
      role: 'admin',
      expiresAt: new Date('2030-01-02T03:04:05Z'),
    });
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.subject).toBe(
      'Eve "the" <b>admin</b> invited you to Acme <script>alert(1)</script> Bcc: victim@example.test on Toolgate',
    );
    expect(m.html).not.toContain('<script>');
    expect(m.html).not.toContain('<b>admin</b>');
    expect(m.html).toContain('Acme &lt;script&gt;');
    expect(m.text).toContain('as an admin');
    expect(m.text).toContain('Wed, 02 Jan 2030 03:04:05 GMT');
  });

  it('names no one when the inviter is unknown', () => {
    const m = invitationMail({
      to: 'a@b.test',
      link: 'http://web.test/invite/abc',
      tenantName: 'Acme',
      inviterName: null,
      role: 'member',
      expiresAt: new Date(),
    });
    expect(m.subject).toBe('A workspace admin invited you to Acme on Toolgate');
    expect(m.text).toContain('as a member');
  });
});
