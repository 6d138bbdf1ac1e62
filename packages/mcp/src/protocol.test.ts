import { describe, expect, it } from 'vitest';
import {
  isSupportedVersion,
  LEGACY_SSE_VERSION,
  negotiateLegacyVersion,
  negotiateVersion,
} from './protocol.ts';

describe('version negotiation', () => {
  it('keeps 2024-11-05 out of Streamable HTTP', () => {
    expect(isSupportedVersion(LEGACY_SSE_VERSION)).toBe(false);
    expect(negotiateVersion(LEGACY_SSE_VERSION)).toBe('2025-11-25');
  });

  it('serves 2024-11-05 and the stateful versions over the legacy transport', () => {
    expect(negotiateLegacyVersion('2024-11-05')).toBe('2024-11-05');
    expect(negotiateLegacyVersion('2025-06-18')).toBe('2025-06-18');
    expect(negotiateLegacyVersion('2025-11-25')).toBe('2025-11-25');
    expect(negotiateLegacyVersion('2026-07-28')).toBe('2024-11-05');
    expect(negotiateLegacyVersion('2024-10-07')).toBe('2024-11-05');
    expect(negotiateLegacyVersion(undefined)).toBe('2024-11-05');
  });
});
