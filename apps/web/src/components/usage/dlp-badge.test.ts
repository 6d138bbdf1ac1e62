import { describe, expect, it } from 'vitest';
import { formatFindings } from './dlp-badge.tsx';

describe('findings by detector', () => {
  it('lists the detectors most found first, by name on a tie', () => {
    expect(formatFindings({ email: 1, card: 2 })).toBe('card 2, email 1');
    expect(formatFindings({ secret: 1, iban: 1, us_ssn: 3 })).toBe('us ssn 3, iban 1, secret 1');
  });

  it('says nothing when nothing was found', () => {
    expect(formatFindings(null)).toBe('');
    expect(formatFindings({})).toBe('');
    expect(formatFindings({ card: 0 })).toBe('');
  });
});
