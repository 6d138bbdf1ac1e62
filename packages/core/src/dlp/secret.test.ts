import { describe, expect, it } from 'vitest';
import { generateApiToken } from '../api-token.ts';
import { REDACTED, redactString } from '../redact.ts';
import { compileDetectors } from './scanner.ts';

const scanner = compileDetectors({ detectors: ['secret'] });
const secrets = (text: string) => scanner.scan(text).map((f) => text.slice(f.start, f.end));

/** `text` with each finding replaced as the audit redactor replaces a token. */
const replaced = (text: string) => {
  let out = '';
  let from = 0;
  for (const f of scanner.scan(text)) {
    out += text.slice(from, f.start) + REDACTED;
    from = f.end;
  }
  return out + text.slice(from);
};

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

describe('secret detector', () => {
  // The shapes of redact.test.ts: the detector must find exactly what the audit redactor redacts.
  it.each([
    ['a Toolgate API token', `use ${generateApiToken().token} here`],
    ['a JWT', `see ${JWT}.`],
    ['a bearer header (the name stays outside)', 'Authorization: Bearer abcdefghijklmnop'],
    ['a bearer credential (the scheme stays outside)', 'use Bearer 8fK2mQ9xLw4Zp7Rt'],
    ['a basic credential', 'Basic dXNlcjpwYXNzd29yZA=='],
    ['a token credential in lower case', 'token ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['an OpenAI key', 'key sk-proj-abcdefghijklmnopqrstuvwx'],
    ['an Anthropic key', 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123'],
    ['a GitHub token', `ghp_${'a'.repeat(36)}`],
    ['a fine-grained GitHub token', `github_pat_${'A1_'.repeat(20)}`],
    ['a Slack token', 'xoxb-1234567890-abcdefghij'],
    ['an AWS access key id', 'AKIAIOSFODNN7EXAMPLE is mine'],
    ['a Google API key', `AIza${'b'.repeat(35)}`],
    ['a Stripe secret key', `sk_live_${'c'.repeat(24)}`],
    ['a Stripe webhook secret', `whsec_${'d'.repeat(24)}`],
    ['a PEM private key', 'x -----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- y'],
    ['a PEM private key after a longer dash line', '------BEGIN PRIVATE KEY-----\nMIIE'],
    ['URL credentials', 'postgres://admin:s3cret@db.example/x'],
    ['a password parameter', 'login?user=ann&password=hunter22&next=/'],
    ['a JSON api_key', '{"api_key": "abcd1234efgh"}'],
    ['a proxy-authorization header', 'Proxy-Authorization: Basic dXNlcjpwYXNzd29yZA=='],
    ['an x-api-key header', 'x-api-key: 0123456789abcdef'],
    ['a client secret', 'client_secret=s3cr3t-value'],
    ['a cookie', 'Cookie: session=abcdef123456'],
    ['two secrets', `Bearer 8fK2mQ9xLw4Zp7Rt and ghp_${'z'.repeat(36)}`],
  ])('finds %s where the audit redactor redacts', (_name, text) => {
    expect(scanner.scan(text).length).toBeGreaterThan(0);
    expect(replaced(text)).toBe(redactString(text));
  });

  it.each([
    ['a JSON password under a longer key', '{"db_password": "Zx9Qw7Er5Ty3Ui1Op2As"}', 'Zx9Qw7Er5Ty3Ui1Op2As'],
    ['an environment variable', 'STRIPE_SECRET=Lm3Nb6Vc9Xz2Kj5Hg8Fd', 'Lm3Nb6Vc9Xz2Kj5Hg8Fd'],
    [
      'a session token that is a UUID',
      "session_token: '550e8400-e29b-41d4-a716-446655440000'",
      '550e8400-e29b-41d4-a716-446655440000',
    ],
    [
      'a hex signature',
      'signature=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b',
      '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b',
    ],
    ['a private key id', 'private_key: AbCdEf0123456789GhIj', 'AbCdEf0123456789GhIj'],
  ])('finds a high-entropy value next to a credential-like key: %s', (_name, text, expected) => {
    expect(secrets(text)).toEqual([expected]);
  });

  it.each([
    ['a token type', '{"token_type": "Bearer", "expires_in": 3600}'],
    ['a token count', '"max_tokens": 4096, "prompt_tokens": 1200'],
    ['a word-like value under a credential key', '"auth_method": "oauth_client_credentials"'],
    ['an expiry date under a token key', '"token_expires_at": "2026-11-01T09:14:22Z"'],
    ['a URL under a password key', '"password_reset_url": "https://example.com/reset"'],
    ['a high-entropy value under an ordinary key', '"request_id": "Zx9Qw7Er5Ty3Ui1Op2As4Df6"'],
    ['prose about passwords and tokens', 'Login fails after a password reset; the token expired.'],
    ['a short value under a key the redactor does not name', 'db_password: short1'],
    ['a scheme word before a word', 'Basic features; the token expired.'],
    ['the word bearer in prose', 'the bearer of bad news'],
  ])('ignores %s', (_name, text) => {
    expect(secrets(text)).toEqual([]);
  });
});
