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
