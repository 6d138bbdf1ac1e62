'use client';

import {
  AUTH_METHODS,
  USAGE_RANGES,
  USAGE_STATUS_FILTERS,
  type UsageFilters,
} from '@toolgate/api/schemas/usage';
import { DLP_OUTCOMES, POLICY_DECISIONS } from '@toolgate/core/dlp';
import { MAX_AGENT_CHARS } from '@toolgate/core/usage';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useMemo } from 'react';

/** The filters the dashboard, the graph and the logs share, kept in the URL so views link to each other. */
export type Filters = UsageFilters;

/** The filters that pick calls within the window (all but the window itself). */
export const NARROWING_KEYS = [
  'gatewayId',
  'installationId',
  'tool',
  'principalId',
  'agent',
  'status',
  'authMethod',
  'method',
  'policyDecision',
  'dlpOutcome',
] as const satisfies readonly (keyof Filters)[];
export type NarrowingKey = (typeof NARROWING_KEYS)[number];

export const FILTER_KEYS = [
  'range',
  'from',
  'to',
  ...NARROWING_KEYS,
] as const satisfies readonly (keyof Filters)[];

const oneOf =
  <T extends string>(allowed: readonly T[]) =>
  (value: string): T | undefined =>
    (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
const isoTime = (value: string) =>
  Number.isNaN(Date.parse(value)) ? undefined : new Date(value).toISOString();
const text = (value: string, max = 200) => (value.length > 0 && value.length <= max ? value : undefined);

const PARSERS: { [K in (typeof FILTER_KEYS)[number]]: (value: string) => Filters[K] | undefined } = {
  range: oneOf(USAGE_RANGES),
  from: isoTime,
  to: isoTime,
  gatewayId: text,
  installationId: text,
  tool: text,
  principalId: text,
  agent: (value) => text(value, MAX_AGENT_CHARS),
  status: oneOf(USAGE_STATUS_FILTERS),
  authMethod: oneOf(AUTH_METHODS),
  method: text,
  policyDecision: oneOf(POLICY_DECISIONS),
  dlpOutcome: oneOf(DLP_OUTCOMES),
};

/** Filters from a query string; values that cannot be right are dropped, not sent. */
export function parseFilters(params: URLSearchParams): Filters {
  const filters: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    const raw = params.get(key);
    const value = raw === null ? undefined : PARSERS[key](raw);
    if (value !== undefined) filters[key] = value;
  }
  // A custom window wins over a preset left in the URL.
  if (filters.from || filters.to) delete filters.range;
  return filters;
}

/** The query string of some filters (empty ones left out), `?…` or ''. */
export function filtersQuery(filters: Filters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = filters[key];
    if (value) params.set(key, value);
  }
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}

/** Filters other than the window: are we looking at a subset? */
export const hasNarrowingFilters = (filters: Filters, fixed: readonly (keyof Filters)[] = []): boolean =>
  NARROWING_KEYS.some((key) => !fixed.includes(key) && !!filters[key]);

/** The patch that clears every narrowing filter except the `fixed` ones. */
export const clearNarrowingFilters = (fixed: readonly (keyof Filters)[] = []): Partial<Filters> =>
  Object.fromEntries(NARROWING_KEYS.filter((key) => !fixed.includes(key)).map((key) => [key, undefined]));

/**
 * The filters in the page's URL and a setter that changes them (replacing the history entry, so
 * Back leaves the page instead of stepping through every filter change).
 */
export function useUrlFilters(fixed: Filters = {}) {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const fromUrl = useMemo(() => parseFilters(new URLSearchParams(params.toString())), [params]);
  const fixedKey = JSON.stringify(fixed);
  const filters = useMemo(() => ({ ...fromUrl, ...(JSON.parse(fixedKey) as Filters) }), [fromUrl, fixedKey]);

  const setFilters = useCallback(
    (patch: Partial<Filters>) => {
      const next: Filters = { ...fromUrl, ...patch };
      for (const key of Object.keys(JSON.parse(fixedKey) as Filters)) delete next[key as keyof Filters];
      if ('range' in patch && patch.range) {
        delete next.from;
        delete next.to;
      }
      if (('from' in patch && patch.from) || ('to' in patch && patch.to)) delete next.range;
      router.replace(`${pathname}${filtersQuery(next)}`, { scroll: false });
    },
    [fromUrl, fixedKey, pathname, router],
  );

  return { filters, setFilters };
}
