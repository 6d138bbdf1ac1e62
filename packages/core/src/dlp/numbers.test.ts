import { describe, expect, it } from 'vitest';
import { compileDetectors } from './scanner.ts';
import type { DetectorName } from './types.ts';

const matcher = (detector: DetectorName) => {
  const scanner = compileDetectors({ detectors: [detector] });
  return (text: string) => scanner.scan(text).map((f) => text.slice(f.start, f.end));
};

describe('us_ssn detector', () => {
  const ssns = matcher('us_ssn');

  it.each([
    ['with dashes', 'SSN 123-45-6789.', '123-45-6789'],
    ['with spaces', 'ssn: 123 45 6789', '123 45 6789'],
    ['in JSON', '{"ssn":"536-90-4399"}', '536-90-4399'],
  ])('finds an SSN %s', (_name, text, expected) => {
    expect(ssns(text)).toEqual([expected]);
  });

  it.each([
    ['area 000', '000-12-3456'],
    ['area 666', '666-12-3456'],
    ['area 900–999', '912-12-3456'],
    ['group 00', '123-00-4567'],
    ['serial 0000', '123-45-0000'],
    ['mixed separators', '123-45 6789'],
    ['no separators (a plain 9-digit number)', '123456789'],
    ['more dashed digits after it', '123-45-6789-01'],
    ['a phone number', '415-555-2671'],
    ['a date', '2026-11-03'],
  ])('ignores %s', (_name, text) => {
    expect(ssns(text)).toEqual([]);
  });
});

describe('ip detector (IPv4)', () => {
  const ips = matcher('ip');

  it.each([
    ['a private address', 'from 192.168.10.24 port 22', '192.168.10.24'],
    ['an address with zero octets', '10.0.0.1', '10.0.0.1'],
    ['an address before a port', 'listening on 127.0.0.1:8080', '127.0.0.1'],
    ['an address with a prefix length', 'route 10.20.0.0/16', '10.20.0.0'],
    ['an address ending a sentence', 'The host is 8.8.8.8.', '8.8.8.8'],
    ['a dotted quad that could be a version, with no version word', 'upgraded to 1.2.3.4 today', '1.2.3.4'],
  ])('finds %s', (_name, text, expected) => {
    expect(ips(text)).toEqual([expected]);
  });

  it.each([
    ['an octet above 255', '999.1.1.1'],
    ['an octet of 256', '10.0.0.256'],
    ['an octet with a leading zero', '10.0.0.01'],
    ['five parts', '1.2.3.4.5'],
    ['three parts (a version)', 'version 4.12.3'],
    ['a dotted quad after "version"', '"version": "1.2.3.4"'],
    ['a dotted quad after "v"', 'release v1.2.3.4'],
    ['a dotted quad after "ver"', 'ver 10.0.19045.1'],
    ['a browser build number', 'Chrome/120.0.6099.109'],
    ['an amount', '1,249.50'],
  ])('ignores %s', (_name, text) => {
    expect(ips(text)).toEqual([]);
  });
});

describe('phone detector', () => {
  const phones = matcher('phone');

  it.each([
    ['an international number with spaces', 'call +44 20 7946 0958 now', '+44 20 7946 0958'],
    ['an E.164 number', 'sms to +14155552671.', '+14155552671'],
    [
      'an international number with a trunk zero in parentheses',
      '+44 (0)20 7946 0958',
      '+44 (0)20 7946 0958',
    ],
    ['an international number with a parenthesized area code', '+1 (415) 555-2671', '+1 (415) 555-2671'],
    ['a German number', 'Tel. +49 30 1234567', '+49 30 1234567'],
    ['a North American number with dashes', 'call 415-555-2671', '415-555-2671'],
    ['a North American number with dots', '415.555.2671', '415.555.2671'],
    ['a North American number with a parenthesized area code', '(415) 555-2671', '(415) 555-2671'],
    ['a North American number with its country code', '1-800-555-0199', '1-800-555-0199'],
    ['a British national number', 'phone 020 7946 0958', '020 7946 0958'],
    ['a French national number', '01 23 45 67 89', '01 23 45 67 89'],
    ['a Dutch mobile number', '06-12345678', '06-12345678'],
    ['an international number with 00', '0044 20 7946 0958', '0044 20 7946 0958'],
  ])('finds %s', (_name, text, expected) => {
    expect(phones(text)).toEqual([expected]);
  });

  it.each([
    ['an ISO date', '2026-11-03'],
    ['a European date', '03.11.2026'],
    ['a dashed European date', '03-11-2026'],
    ['a date with slashes', '15/11/2026'],
    ['a time', '09:14:22'],
    ['a version', '4.12.3'],
    ['a plain long number', 'order 4155552671'],
    ['a timestamp', '20261103142'],
    ['an amount', '$1,249,000.50'],
    ['a local number without area code', '555-2671'],
    ['an area code starting with 1', '115-555-2671'],
    ['an IP address', '192.168.10.24'],
    ['a too-short international number', '+1 555'],
    ['an invoice number', 'Invoice 2026-0042'],
  ])('ignores %s', (_name, text) => {
    expect(phones(text)).toEqual([]);
  });
});

describe('detectors on the same digits', () => {
  const scanner = compileDetectors({ detectors: ['card', 'phone', 'us_ssn', 'ip'] });
  const found = (text: string) => scanner.scan(text).map((f) => [f.detector, text.slice(f.start, f.end)]);

  it('reads every group of a run, not only its first', () => {
    expect(found('ref(415) 555-2671 4111111111111111 6789')).toEqual([['card', '4111111111111111']]);
    expect(found('IDs 12 34 123-45-6789')).toEqual([['us_ssn', '123-45-6789']]);
  });

  it('does not start a finding inside digits joined by a dash', () => {
    expect(found('ref 12-0800 555 1234 and x1-800-555-0199')).toEqual([]);
  });

  it('reports a card, not a phone number, for a Luhn-valid card with a known prefix', () => {
    const text = 'card 4111 1111 1111 1111, ssn 123-45-6789, host 10.0.0.1, tel +1 415 555 2671';
    expect(scanner.scan(text).map((f) => [f.detector, text.slice(f.start, f.end)])).toEqual([
      ['card', '4111 1111 1111 1111'],
      ['us_ssn', '123-45-6789'],
      ['ip', '10.0.0.1'],
      ['phone', '+1 415 555 2671'],
    ]);
  });
});
