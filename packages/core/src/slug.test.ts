import { describe, expect, it } from 'vitest';
import { slugify, ZSlug, ZTenantSlug } from './slug.ts';

describe('slugify', () => {
  it('turns a display name into a DNS-label-safe slug', () => {
    expect(slugify('Acme Corp')).toBe('acme-corp');
    expect(slugify('  Ëlan Labs, Inc. ')).toBe('elan-labs-inc');
    expect(slugify('R&D -- Platform')).toBe('r-d-platform');
    expect(slugify('!!!')).toBe('');
  });

  it('cuts at 40 characters without leaving a trailing hyphen', () => {
    const slug = slugify(`${'a'.repeat(39)} b`);
    expect(slug).toBe('a'.repeat(39));
    expect(ZSlug.safeParse(slug).success).toBe(true);
  });

  it('leaves reserved names for the schema to refuse', () => {
    expect(slugify('API')).toBe('api');
    expect(ZTenantSlug.safeParse('api').success).toBe(false);
  });
});
