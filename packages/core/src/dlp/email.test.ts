import { describe, expect, it } from 'vitest';
import { compileDetectors } from './scanner.ts';

const scanner = compileDetectors({ detectors: ['email'] });
const emails = (text: string) => scanner.scan(text).map((f) => text.slice(f.start, f.end));

describe('email detector', () => {
  it.each([
    ['a plain address', 'write to maria.lopez@example.com today', 'maria.lopez@example.com'],
    ['an address with a plus tag', '<ann+billing@corp.example>', 'ann+billing@corp.example'],
    ['an address ending a sentence', 'Contact ops-team@example.org.', 'ops-team@example.org'],
    ['an address with a subdomain', 'bob@mail.example.co.uk,', 'bob@mail.example.co.uk'],
    ['a mailto link', 'mailto:anna@example.com', 'anna@example.com'],
    ['an address in JSON', '{"reporter":"j.smith@corp.example"}', 'j.smith@corp.example'],
    ['an IDNA top-level domain', 'x@example.xn--p1ai', 'x@example.xn--p1ai'],
  ])('finds %s', (_name, text, expected) => {
    expect(emails(text)).toEqual([expected]);
  });

  it.each([
    ['a mention', 'thanks @maria'],
    ['a host without a dot', 'user@localhost'],
    ['a numeric top-level domain', 'a@b.123'],
    ['a one-letter top-level domain', 'a@example.c'],
    ['a doubled dot', 'ann..lee@example.com'],
    ['a label starting with a dash', 'ann@-example.com'],
    ['a scoped package', 'npm i @toolgate/core'],
    ['URL credentials', 'postgres://admin:s3cret@db.example.com/x'],
  ])('ignores %s', (_name, text) => {
    expect(emails(text)).toEqual([]);
  });

  it('finds several addresses', () => {
    expect(emails('a@x.io, b@y.io;c@z.io')).toEqual(['a@x.io', 'b@y.io', 'c@z.io']);
  });
});
