import { describe, expect, it } from 'vitest';
import { generateApiToken } from './api-token.ts';
import {
  captureForAudit,
  isSensitiveKey,
  REDACTED,
  redactString,
  redactUrl,
  TRUNCATED_KEY,
} from './redact.ts';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

describe('redactString', () => {
  it.each([
    ['a Toolgate API token', `use ${generateApiToken().token} here`, `use ${REDACTED} here`],
    ['a JWT', `see ${JWT}.`, `see ${REDACTED}.`],
    ['a bearer credential (keeps the scheme)', 'Bearer abcdefghijklmnop', `Bearer ${REDACTED}`],
    ['a basic credential', 'Basic dXNlcjpwYXNzd29yZA==', `Basic ${REDACTED}`],
    ['an OpenAI key', 'key sk-proj-abcdefghijklmnopqrstuvwx', `key ${REDACTED}`],
    ['an Anthropic key', 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123', REDACTED],
    ['a GitHub token', `ghp_${'a'.repeat(36)}`, REDACTED],
    ['a fine-grained GitHub token', `github_pat_${'A1_'.repeat(20)}`, REDACTED],
    ['a Slack token', 'xoxb-1234567890-abcdefghij', REDACTED],
    ['an AWS access key id', 'AKIAIOSFODNN7EXAMPLE is mine', `${REDACTED} is mine`],
    ['a Google API key', `AIza${'b'.repeat(35)}`, REDACTED],
    ['a Stripe secret key', `sk_live_${'c'.repeat(24)}`, REDACTED],
    ['a PEM private key', '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', REDACTED],
    ['URL credentials', 'postgres://admin:s3cret@db.example/x', `postgres://${REDACTED}@db.example/x`],
    ['a query-string secret', '/cb?code=1&access_token=abcdef123', `/cb?code=1&access_token=${REDACTED}`],
    [
      'an authorization header in JSON text',
      '{"authorization":"Bearer abc.def","host":"x"}',
      `{"authorization":"${REDACTED}","host":"x"}`,
    ],
    ['a header line', 'Authorization: Bearer abc.def', `Authorization: ${REDACTED}`],
  ])('redacts %s', (_what, input, expected) => {
    expect(redactString(input)).toBe(expected);
  });

  it('leaves ordinary text alone, returning the very same string', () => {
    const text = 'The weather in Paris is 21°C with light wind; skies are clear.';
    expect(redactString(text)).toBe(text);
    expect(redactString('short')).toBe('short');
    expect(redactString('ask-me-anything about tokens')).toBe('ask-me-anything about tokens');
  });
});

describe('isSensitiveKey', () => {
  it.each([
    'password',
    'db_password',
    'clientSecret',
    'access_token',
    'Authorization',
    'api_key',
    'x-api-key',
  ])('%s is sensitive', (key) => expect(isSensitiveKey(key)).toBe(true));
  it.each(['message', 'content', 'bypass', 'name', 'path'])('%s is not', (key) =>
    expect(isSensitiveKey(key)).toBe(false),
  );
});

describe('captureForAudit', () => {
  it('redacts values under credential keys at any depth, but keeps numbers there', () => {
    const input = {
      query: 'select 1',
      connection: { password: 'hunter2', headers: { Authorization: 'Bearer x', cookie: 'a=b' } },
      max_tokens: 100,
      list: [{ apiKey: { nested: 'value' } }],
    };
    expect(captureForAudit(input)).toEqual({
      query: 'select 1',
      connection: { password: REDACTED, headers: { Authorization: REDACTED, cookie: REDACTED } },
      max_tokens: 100,
      list: [{ apiKey: REDACTED }],
    });
    // The input is never modified.
    expect(input.connection.password).toBe('hunter2');
  });

  it('redacts token-like strings inside values and arrays', () => {
    const token = generateApiToken().token;
    expect(captureForAudit({ content: [{ type: 'text', text: `got ${token}` }] })).toEqual({
      content: [{ type: 'text', text: `got ${REDACTED}` }],
    });
  });

  it('returns the same object when nothing needs redacting or cutting', () => {
    const value = { content: [{ type: 'text', text: 'hello' }], isError: false };
    expect(captureForAudit(value)).toBe(value);
  });

  it('caps a long string with a truncation marker', () => {
    const captured = captureForAudit({ text: 'x'.repeat(20_000) }, 1_000) as { text: string };
    expect(captured.text.length).toBeLessThan(1_100);
    expect(captured.text).toMatch(new RegExp(`${TRUNCATED_KEY}\\[truncated \\d+ chars\\]$`));
    expect(JSON.stringify(captured).length).toBeLessThan(1_100);
  });

  it('redacts a token that straddles the cut instead of leaking its head', () => {
    const token = generateApiToken().token;
    const text = `${'y'.repeat(990)} ${token}`;
    const captured = captureForAudit(text, 1_000) as string;
    expect(captured).not.toContain(token.slice(0, 8));
  });

  it('caps long arrays and wide objects, saying how much was left out', () => {
    const many = Array.from({ length: 5_000 }, (_, i) => ({ i, name: `item ${i}` }));
    const captured = captureForAudit({ items: many }, 2_000) as { items: unknown[] };
    expect(captured.items.length).toBeLessThan(many.length);
    expect(captured.items.at(-1)).toMatch(/\[truncated \d+ items\]$/);
    expect(JSON.stringify(captured).length).toBeLessThan(2_200);

    const wide = Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`k${i}`, i]));
    const cut = captureForAudit(wide, 500) as Record<string, unknown>;
    expect(cut[TRUNCATED_KEY]).toMatch(/^\[truncated \d+ keys\]$/);
    expect(JSON.stringify(cut).length).toBeLessThan(700);
  });

  it('bounds nesting depth', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100; i++) deep = { d: deep };
    expect(JSON.stringify(captureForAudit(deep))).toContain('nested too deep');
  });

  it('copies __proto__ keys as data, never as a prototype', () => {
    const parsed = JSON.parse('{"__proto__":{"polluted":true},"password":"p"}') as Record<string, unknown>;
    const captured = captureForAudit(parsed) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.parse(JSON.stringify(captured))).toEqual(
      JSON.parse('{"__proto__":{"polluted":true},"password":"[redacted]"}'),
    );
  });

  it('passes scalars through', () => {
    expect(captureForAudit(42)).toBe(42);
    expect(captureForAudit(null)).toBe(null);
    expect(captureForAudit(undefined)).toBe(undefined);
  });
});

describe('redactUrl', () => {
  const LINK_TOKEN = 'q7X_-aZ09q7X_-aZ09q7X_-aZ09q7X_-aZ09q7X_-a';
  const R = REDACTED;

  it.each([
    ['an API key', '/connect?api_key=abc123', `/connect?api_key=${R}`],
    [
      'an OAuth code and state',
      '/connect/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz',
      `/connect/callback?code=${R}&state=${R}`,
    ],
    ['a secret', '/hook?secret=s3cr3t&page=2', `/hook?secret=${R}&page=2`],
    ['a client secret', '/oauth/token?client_secret=abc', `/oauth/token?client_secret=${R}`],
    ['an assertion', '/oauth/token?assertion=eyJhbGciOi', `/oauth/token?assertion=${R}`],
    ['a password', '/login?user=ann&password=hunter2', `/login?user=${R}&password=${R}`],
    ['a parameter nobody listed', '/x?sig=deadbeef&key=k&auth=a', `/x?sig=${R}&key=${R}&auth=${R}`],
    [
      'whatever tRPC input carries',
      '/api/trpc/usage.logs?batch=1&input=%7B%22tool%22%3A%22x%22%7D',
      `/api/trpc/usage.logs?batch=1&input=${R}`,
    ],
    [
      'names in any case or encoding',
      '/x?API_KEY=1&%61pi_key=2&Token=3',
      `/x?API_KEY=${R}&%61pi_key=${R}&Token=${R}`,
    ],
    ['values that cannot be decoded', '/x?callbackUrl=%E0%A4%A', `/x?callbackUrl=${R}`],
    ['a fragment', '/cb#access_token=abc', `/cb#${R}`],
    [
      'credentials in the authority',
      'https://ann:hunter2@example.com/p?page=1',
      `https://${R}@example.com/p?page=1`,
    ],
    ['a token in the path', `/api/keys/tg_${'a'.repeat(46)}`, `/api/keys/${R}`],
  ])('redacts %s', (_what, input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it('hides invitation and reset tokens, plain or inside a callbackUrl', () => {
    expect(redactUrl(`/invite/${LINK_TOKEN}`)).toBe(`/invite/${R}`);
    expect(redactUrl(`/invite/${LINK_TOKEN}?_rsc=abc`)).toBe(`/invite/${R}?_rsc=abc`);
    expect(redactUrl(`/reset-password?token=${LINK_TOKEN}`)).toBe(`/reset-password?token=${R}`);
    expect(redactUrl(`/reset-password?x=1&token=${LINK_TOKEN}&y=2`)).toBe(
      `/reset-password?x=${R}&token=${R}&y=${R}`,
    );
    expect(redactUrl(`/signin?callbackUrl=%2Finvite%2F${LINK_TOKEN}`)).toBe(
      `/signin?callbackUrl=%2Finvite%2F${R}`,
    );
    expect(redactUrl(`/signin?callbackUrl=%2Freset-password%3Ftoken%3D${LINK_TOKEN}`)).toBe(
      `/signin?callbackUrl=%2Freset-password%3Ftoken%3D${R}`,
    );
  });

  it('keeps the public parameters of an OAuth request, and redacts inside its redirect URI', () => {
    expect(
      redactUrl(
        '/oauth/authorize?response_type=code&client_id=https%3A%2F%2Fapp.example%2Fclient.json' +
          '&redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fcb&scope=mcp%3Atools&state=af0ifjsldkj' +
          '&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256' +
          '&resource=https%3A%2F%2Fmcp.example%2Fmcp%2Facme%2Fmain',
      ),
    ).toBe(
      '/oauth/authorize?response_type=code&client_id=https%3A%2F%2Fapp.example%2Fclient.json' +
        `&redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fcb&scope=mcp%3Atools&state=${R}` +
        `&code_challenge=${R}&code_challenge_method=S256` +
        '&resource=https%3A%2F%2Fmcp.example%2Fmcp%2Facme%2Fmain',
    );
    expect(redactUrl('/oauth/authorize?redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fsession%3Dabc')).toBe(
      `/oauth/authorize?redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fsession%3D${R}`,
    );
  });

  it('leaves paths, harmless parameters, empty values and bare names alone', () => {
    for (const url of [
      '/t/acme/members',
      '/t/acme/logs?range=24h&status=errors&gatewayId=5f0c7f9e-1b2a-4c3d-8e9f-0a1b2c3d4e5f&cursor=MjAy',
      '/t/acme/usage?from=2025-06-01T00%3A00%3A00Z&to=2025-06-02T00%3A00%3A00Z&tool=search',
      '/api/trpc/members.list?batch=1',
      '/api/v1/logs?limit=50&page=2&Page=3',
      '/signin?callbackUrl=%2Ft',
      '/signin?error=CredentialsSignin',
      '/x?token=&flag',
      '/invite',
      '/',
      '',
    ]) {
      expect(redactUrl(url)).toBe(url);
    }
    expect(redactUrl(undefined)).toBeUndefined();
  });
});
