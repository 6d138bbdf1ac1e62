import { describe, expect, it } from 'vitest';
import { luhnValid } from './card.ts';
import { compileDetectors } from './scanner.ts';

const scanner = compileDetectors({ detectors: ['card'] });
const cards = (text: string) => scanner.scan(text).map((f) => text.slice(f.start, f.end));

describe('card detector', () => {
  it.each([
    ['a Visa number', 'pay with 4111111111111111 today', '4111111111111111'],
    ['a number in groups of four with spaces', 'card 4111 1111 1111 1111 exp 12/28', '4111 1111 1111 1111'],
    ['a number in groups of four with dashes', 'Mastercard 5555-5555-5555-4444.', '5555-5555-5555-4444'],
    ['an American Express number in 4-6-5', 'Amex 3782 822463 10005 on file', '3782 822463 10005'],
    ['a Mastercard 2-series number', '2223003122003222', '2223003122003222'],
    ['a Discover number', '6011111111111117', '6011111111111117'],
    ['a JCB number', '3530111333300000', '3530111333300000'],
    ['a Diners Club number (14 digits)', '30569309025904', '30569309025904'],
    ['a 19-digit Visa in 4-4-4-4-3', '4000 0000 0000 0000 006', '4000 0000 0000 0000 006'],
    ['a number inside JSON', '{"pan":"4242424242424242"}', '4242424242424242'],
  ])('finds %s', (_name, text, expected) => {
    expect(cards(text)).toEqual([expected]);
  });

  it.each([
    ['a 16-digit number failing Luhn', '4111111111111112'],
    ['a tracking number', 'tracking 7730018842991023'],
    ['a millisecond timestamp', 'at 1730624062000 ms'],
    ['a card prefix at a length the scheme does not issue', '378282246310005'.slice(0, 14)],
    ['mixed separators', '4111 1111-1111 1111'],
    ['digits glued to letters', 'ref4111111111111111x'],
    ['a card number inside a longer run of digits', '94111111111111111'],
    ['a card number followed by more dashed digits', '4111-1111-1111-1111-22'],
    ['an order number', 'order 1029384756 shipped'],
    ['an amount', 'total 1,249.50 EUR'],
  ])('ignores %s', (_name, text) => {
    expect(cards(text)).toEqual([]);
  });

  it('ignores Luhn-valid numbers whose prefix no scheme issues (the test data above is Luhn-valid)', () => {
    for (const number of ['7730018842991022', '1730624062007', '9999999999999995']) {
      expect(luhnValid(number, 0, number.length)).toBe(true);
      expect(cards(number)).toEqual([]);
    }
  });

  it('reads two card numbers written one after the other', () => {
    expect(cards('4111 1111 1111 1111 5555 5555 5555 4444')).toEqual([
      '4111 1111 1111 1111',
      '5555 5555 5555 4444',
    ]);
  });
});
