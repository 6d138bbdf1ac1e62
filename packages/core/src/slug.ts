import { z } from 'zod';

/** Slugs appear in MCP URLs and host names: DNS-label safe, lower-case. */
const RESERVED = new Set([
  'api',
  'app',
  'www',
  'admin',
  'mcp',
  'oauth',
  'auth',
  'static',
  'assets',
  'healthz',
  'readyz',
]);

export const ZSlug = z
  .string()
  .min(2, 'must be at least 2 characters')
  .max(40, 'must be at most 40 characters')
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'use lower-case letters, digits and inner hyphens');

export const ZTenantSlug = ZSlug.refine((s) => !RESERVED.has(s), 'is reserved');

const SLUG_MAX = 40;

/**
 * A slug suggestion from a display name: "Ëlan Labs, Inc." → "elan-labs-inc". May still fail
 * ZSlug/ZTenantSlug (too short, reserved); callers validate what the user finally submits.
 */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, SLUG_MAX)
    .replace(/^-+|-+$/g, '');
}
