import { describe, expect, it } from 'vitest';
import { compileDetectors } from './scanner.ts';

const scanner = compileDetectors({ detectors: ['ip'] });
const ips = (text: string) => scanner.scan(text).map((f) => text.slice(f.start, f.end));

describe('ip detector (IPv6)', () => {
  it.each([
    ['a compressed address', 'host 2001:db8::8a2e:370:7334 is up', '2001:db8::8a2e:370:7334'],
    ['a full address', '2001:0db8:85a3:0000:0000:8a2e:0370:7334', '2001:0db8:85a3:0000:0000:8a2e:0370:7334'],
    ['a link-local address with a zone', 'fe80::1ff:fe23:4567:890a%eth0', 'fe80::1ff:fe23:4567:890a'],
    ['the loopback address', 'bind [::1]:8080', '::1'],
    ['an address with an IPv4 tail', '::ffff:192.0.2.128', '::ffff:192.0.2.128'],
    ['an address with a prefix length', 'net 2001:db8::/32', '2001:db8::'],
    ['an address after a key and colon', 'addr:2001:db8::1', '2001:db8::1'],
    ['an address ending a sentence', 'It is 2001:db8::1.', '2001:db8::1'],
  ])('finds %s', (_name, text, expected) => {
    expect(ips(text)).toEqual([expected]);
  });

  it.each([
    ['a time', '09:14:22'],
    ['a MAC address', '00:1a:2b:3c:4d:5e'],
    ['a C++ scope', 'std::vector<int> and Foo::bar'],
    ['a bare double colon', 'a :: b'],
    ['two compressions', '2001::db8::1'],
    ['a group of five hex digits', '2001:db8::12345'],
    ['nine groups', '1:2:3:4:5:6:7:8:9'],
    ['a JSON key-value pair', '{"a": "b", "c": "d"}'],
  ])('ignores %s', (_name, text) => {
    expect(ips(text)).toEqual([]);
  });
});
