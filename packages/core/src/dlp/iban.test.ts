import { describe, expect, it } from 'vitest';
import { compileDetectors } from './scanner.ts';

const scanner = compileDetectors({ detectors: ['iban'] });
const ibans = (text: string) => scanner.scan(text).map((f) => text.slice(f.start, f.end));

describe('iban detector', () => {
  it.each([
    [
      'a German IBAN in print format',
      'IBAN DE89 3704 0044 0532 0130 00, thanks',
      'DE89 3704 0044 0532 0130 00',
    ],
    ['a German IBAN in electronic format', 'to DE89370400440532013000.', 'DE89370400440532013000'],
    ['a British IBAN with letters in the BBAN', 'GB82WEST12345698765432', 'GB82WEST12345698765432'],
    ['a Norwegian IBAN (the shortest)', 'NO9386011117947', 'NO9386011117947'],
    ['a Maltese IBAN', 'MT84MALT011000012345MTLCAST001S', 'MT84MALT011000012345MTLCAST001S'],
    ['an IBAN inside JSON', '{"iban":"FR1420041010050500013M02606"}', 'FR1420041010050500013M02606'],
  ])('finds %s', (_name, text, expected) => {
    expect(ibans(text)).toEqual([expected]);
  });

  it.each([
    ['an IBAN with a bad checksum', 'DE89 3704 0044 0532 0130 01'],
    ['an IBAN with wrong check digits', 'DE88370400440532013000'],
    ['an IBAN one character short', 'DE8937040044053201300'],
    ['an IBAN one character too long', 'DE893704004405320130000'],
    ['an unknown country code', 'ZZ89370400440532013000'],
    ['an IBAN glued to a word', 'xDE89370400440532013000'],
    ['lower case', 'de89370400440532013000'],
    ['a product code', 'SKU AB12 3456 7890 1234'],
  ])('ignores %s', (_name, text) => {
    expect(ibans(text)).toEqual([]);
  });
});
