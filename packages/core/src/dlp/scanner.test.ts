import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import { compileDetectors, MAX_DEPTH } from './scanner.ts';
import { DETECTOR_NAMES, type DetectorName } from './types.ts';

const ALL = DETECTOR_NAMES.filter((name): name is Exclude<DetectorName, 'custom'> => name !== 'custom');
const scanner = compileDetectors({ detectors: ALL });

describe('compileDetectors', () => {
  it('lists the built-in detectors it runs', () => {
    expect(compileDetectors({ detectors: ['email', 'custom', 'card'] }).detectors).toEqual(['email', 'card']);
  });

  it('refuses an unknown detector', () => {
    let error: unknown;
    try {
      compileDetectors({ detectors: ['email', 'passport' as DetectorName] });
    } catch (e) {
      error = e;
    }
    expect(isAppError(error) && error.code).toBe('INVALID');
  });

  it('runs only the detectors it was given', () => {
    const emailOnly = compileDetectors({ detectors: ['email'] });
    expect(emailOnly.scan('ann@example.com 4111 1111 1111 1111 10.0.0.1').map((f) => f.detector)).toEqual([
      'email',
    ]);
  });
});

describe('scan', () => {
  it('returns findings in order, with positions and no matched text', () => {
    const text = 'Card 4111 1111 1111 1111 of ann@example.com';
    expect(scanner.scan(text)).toEqual([
      { detector: 'card', start: 5, end: 24 },
      { detector: 'email', start: 28, end: 43 },
    ]);
  });

  it('keeps one finding where detectors overlap: the earliest, then the longest', () => {
    // The redactor's `api_key=` shape and the card detector both claim the digits.
    const text = 'api_key=4111111111111111';
    expect(scanner.scan(text)).toEqual([{ detector: 'secret', start: 8, end: 24 }]);
  });

  it('passes over timestamps but not a number written after a date', () => {
    expect(scanner.scan('2026-11-03T09:14:22.120Z')).toEqual([]);
    expect(scanner.scan('2026-11-03 09:14:22+01:00')).toEqual([]);
    expect(scanner.scan('2026-11-03 415-555-2671').map((f) => f.detector)).toEqual(['phone']);
  });

  it('finds nothing in an empty string', () => {
    expect(scanner.scan('')).toEqual([]);
  });
});

describe('redact', () => {
  const result = {
    content: [
      { type: 'text', text: 'Customer ann@example.com paid with 4111 1111 1111 1111.' },
      { type: 'text', text: 'Nothing to see: order 1029384756, version 4.12.3.' },
      { type: 'image', data: 'iVBORw0KGgo4111111111111111', mimeType: 'image/png' },
      { type: 'resource', resource: { uri: 'file:///a.bin', blob: 'QUJD4111111111111111' } },
    ],
    structuredContent: {
      customer: {
        email: 'bob@example.org',
        phones: ['+44 20 7946 0958', 'none'],
        iban: 'DE89370400440532013000',
      },
      items: [{ sku: 'A-1', qty: 2 }],
    },
    isError: false,
  };

  it('replaces each match with a typed placeholder throughout a tool result and counts by detector', () => {
    const { value, findings } = scanner.redact(result);
    expect(value).toEqual({
      content: [
        { type: 'text', text: 'Customer [REDACTED:email] paid with [REDACTED:card].' },
        result.content[1],
        result.content[2],
        result.content[3],
      ],
      structuredContent: {
        customer: {
          email: '[REDACTED:email]',
          phones: ['[REDACTED:phone]', 'none'],
          iban: '[REDACTED:iban]',
        },
        items: [{ sku: 'A-1', qty: 2 }],
      },
      isError: false,
    });
    expect(findings).toEqual({ email: 2, card: 1, phone: 1, iban: 1 });
  });

  it('leaves the input untouched and shares what did not change', () => {
    const before = JSON.stringify(result);
    const { value } = scanner.redact(result);
    expect(JSON.stringify(result)).toBe(before);
    const redacted = value as typeof result;
    expect(redacted.content[1]).toBe(result.content[1]);
    expect(redacted.structuredContent.items).toBe(result.structuredContent.items);
  });

  it('returns the value itself when nothing matches', () => {
    const clean = { content: [{ type: 'text', text: 'all clear' }], n: 3, ok: true, none: null };
    expect(scanner.redact(clean)).toEqual({ value: clean, findings: {} });
    expect(scanner.redact(clean).value).toBe(clean);
  });

  it('redacts strings at the top level and in arrays', () => {
    expect(scanner.redact('mail ann@example.com')).toEqual({
      value: 'mail [REDACTED:email]',
      findings: { email: 1 },
    });
    expect(scanner.redact(['10.0.0.1', 7])).toEqual({ value: ['[REDACTED:ip]', 7], findings: { ip: 1 } });
  });

  it('scans object values, not keys', () => {
    const keyed = { 'ann@example.com': 'present', '10.0.0.1': { note: 'ok' } };
    expect(scanner.redact(keyed).value).toBe(keyed);
  });

  it('treats a credential-like string under a sensitive key as a secret as a whole', () => {
    const args = { user: 'ann', password: 'hunter2!X9', token_type: 'Bearer', max_tokens: 100 };
    expect(scanner.redact(args)).toEqual({
      value: { user: 'ann', password: '[REDACTED:secret]', token_type: 'Bearer', max_tokens: 100 },
      findings: { secret: 1 },
    });
  });

  it('copies objects without a prototype, so a `__proto__` key stays data', () => {
    const input = JSON.parse('{"__proto__": {"x": 1}, "mail": "ann@example.com"}') as Record<string, unknown>;
    const { value } = scanner.redact(input);
    expect(Object.getPrototypeOf(value)).toBe(null);
    expect(Object.keys(value as object)).toEqual(['__proto__', 'mail']);
  });

  it('refuses values nested deeper than it scans', () => {
    let deep: unknown = 'ann@example.com';
    for (let i = 0; i < MAX_DEPTH + 1; i++) deep = [deep];
    let error: unknown;
    try {
      scanner.redact(deep);
    } catch (e) {
      error = e;
    }
    expect(isAppError(error) && error.code).toBe('INVALID');
  });
});

describe('scanValue', () => {
  it('counts what redact would replace, without rewriting', () => {
    const args = {
      to: 'ann@example.com',
      cc: ['bob@example.org'],
      body: 'SSN 123-45-6789, host 2001:db8::1',
    };
    const before = JSON.stringify(args);
    expect(scanner.scanValue(args)).toEqual({ email: 2, us_ssn: 1, ip: 1 });
    expect(scanner.scanValue(args)).toEqual(scanner.redact(args).findings);
    expect(JSON.stringify(args)).toBe(before);
  });

  it('counts nothing in a clean value', () => {
    expect(scanner.scanValue({ a: [1, 'two', { three: null }] })).toEqual({});
  });
});
