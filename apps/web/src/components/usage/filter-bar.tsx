'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import {
  AUTH_METHODS,
  USAGE_STATUS_FILTERS,
  type UsageFacets,
  type UsageRef,
} from '@toolgate/api/schemas/usage';
import { Button } from '~/components/ui/button';
import { useTRPC } from '~/trpc/react';
import { DLP_OUTCOMES, POLICY_DECISIONS } from '@toolgate/core/dlp';
import { DLP_OUTCOME_LABELS, POLICY_DECISION_LABELS } from './dlp-badge.tsx';
import { AUTH_METHOD_LABELS } from './format.ts';
import { STATUS_LABELS } from './status-badge.tsx';
import {
  clearNarrowingFilters,
  hasNarrowingFilters,
  type Filters,
  type NarrowingKey as FilterKey,
} from './usage-filters.ts';

/**
 * The methods offered, each with how people read it. `connection/*` are connected accounts' audit
 * events (packages/api/src/services/connections/connection-audit.ts): in the logs only, as they are
 * never rolled up into usage.
 */
const METHODS: { id: string; label: string }[] = [
  { id: 'tools/call', label: 'Tool calls (tools/call)' },
  { id: 'tools/list', label: 'tools/list' },
  { id: 'initialize', label: 'initialize' },
  { id: 'resources/read', label: 'resources/read' },
  { id: 'prompts/get', label: 'prompts/get' },
  { id: 'ping', label: 'ping' },
  { id: 'connection/start', label: 'Account connections started (connection/start)' },
  { id: 'connection/complete', label: 'Account connections completed (connection/complete)' },
  { id: 'connection/refresh', label: 'Account refreshes (connection/refresh)' },
  { id: 'connection/delete', label: 'Account disconnections (connection/delete)' },
];

/** Options from the facets, keeping a value already chosen (from a link) that the window lacks. */
function withCurrent(options: UsageRef[] | undefined, current: string | undefined): UsageRef[] {
  const list = options ?? [];
  return current && !list.some((o) => o.id === current) ? [...list, { id: current, label: current }] : list;
}

/**
 * The choices for the FilterBar: what had calls in the window (of one gateway, if given). Values
 * appear as calls arrive, so the list is fetched on every visit, never reused stale.
 */
export function useFacets(
  filters: Filters,
  { gatewayId, refetchInterval }: { gatewayId?: string; refetchInterval?: number | false } = {},
) {
  const trpc = useTRPC();
  return useQuery({
    ...trpc.usage.facets.queryOptions({
      range: filters.range,
      from: filters.from,
      to: filters.to,
      gatewayId,
    }),
    placeholderData: keepPreviousData,
    staleTime: 0,
    refetchInterval,
  });
}

/**
 * One select per dimension. Gateways, servers, tools, callers and agents list what had calls in the
 * window; policy decisions and DLP outcomes are fixed lists; `hide` leaves out dimensions the page fixes (the gateway of a gateway's dashboard).
 */
export function FilterBar({
  filters,
  setFilters,
  facets,
  hide = [],
}: {
  filters: Filters;
  setFilters: (patch: Partial<Filters>) => void;
  facets: UsageFacets | undefined;
  hide?: readonly FilterKey[];
}) {
  const selects: { key: FilterKey; label: string; all: string; options: UsageRef[] }[] = [
    {
      key: 'gatewayId',
      label: 'Gateway',
      all: 'All gateways',
      options: withCurrent(facets?.gateways, filters.gatewayId),
    },
    {
      key: 'installationId',
      label: 'Server',
      all: 'All servers',
      options: withCurrent(facets?.servers, filters.installationId),
    },
    { key: 'tool', label: 'Tool', all: 'All tools', options: withCurrent(facets?.tools, filters.tool) },
    {
      key: 'principalId',
      label: 'Caller',
      all: 'All callers',
      options: withCurrent(facets?.callers, filters.principalId),
    },
    {
      key: 'agent',
      label: 'Agent',
      all: 'All agents',
      options: withCurrent(facets?.agents, filters.agent),
    },
    {
      key: 'status',
      label: 'Status',
      all: 'Any status',
      options: USAGE_STATUS_FILTERS.map((s) => ({ id: s, label: STATUS_LABELS[s] ?? s })),
    },
    {
      key: 'method',
      label: 'Method',
      all: 'All methods',
      options: withCurrent(METHODS, filters.method),
    },
    {
      key: 'authMethod',
      label: 'Auth method',
      all: 'Any auth method',
      options: AUTH_METHODS.map((m) => ({ id: m, label: AUTH_METHOD_LABELS[m] ?? m })),
    },
    {
      key: 'policyDecision',
      label: 'Policy decision',
      all: 'Any policy',
      options: POLICY_DECISIONS.map((d) => ({ id: d, label: POLICY_DECISION_LABELS[d] })),
    },
    {
      key: 'dlpOutcome',
      label: 'DLP outcome',
      all: 'Any DLP outcome',
      options: DLP_OUTCOMES.map((o) => ({ id: o, label: `DLP: ${DLP_OUTCOME_LABELS[o]}` })),
    },
  ];
  const narrowed = hasNarrowingFilters(filters, hide);
  return (
    <div role="group" aria-label="Filters" className="flex flex-wrap items-center gap-2">
      {selects
        .filter((s) => !hide.includes(s.key))
        .map((s) => (
          <select
            key={s.key}
            aria-label={s.label}
            value={filters[s.key] ?? ''}
            onChange={(e) => setFilters({ [s.key]: e.target.value || undefined })}
            className="h-9 max-w-48 rounded-lg bg-white pr-8 pl-3 text-sm text-slate-700 ring-1 ring-slate-300 outline-none ring-inset focus:ring-2 focus:ring-brand-500"
          >
            <option value="">{s.all}</option>
            {s.options.map((o) => (
              <option key={o.id} value={o.id}>
                {o.label}
              </option>
            ))}
          </select>
        ))}
      {narrowed && (
        <Button variant="ghost" size="sm" onClick={() => setFilters(clearNarrowingFilters(hide))}>
          Clear filters
        </Button>
      )}
    </div>
  );
}
