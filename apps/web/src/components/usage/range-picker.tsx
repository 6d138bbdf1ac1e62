'use client';

import { USAGE_RANGES, type UsageRange } from '@toolgate/api/schemas/usage';
import { useState, type FormEvent } from 'react';
import { Button } from '~/components/ui/button';
import { cx } from '~/components/ui/cx';
import type { Filters } from './usage-filters.ts';

const RANGE_LABELS: Record<UsageRange, string> = { '1h': '1 h', '24h': '24 h', '7d': '7 d', '30d': '30 d' };
const RANGE_NAMES: Record<UsageRange, string> = {
  '1h': 'Last hour',
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
};

/** `datetime-local` wants local time without a zone. */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The window: a preset ending now, or a custom from/to in the viewer's time zone. */
export function RangePicker({
  filters,
  setFilters,
}: {
  filters: Filters;
  setFilters: (patch: Partial<Filters>) => void;
}) {
  const custom = !!(filters.from || filters.to);
  const active = custom ? null : (filters.range ?? '24h');
  const [editing, setEditing] = useState(false);
  const [from, setFrom] = useState(() => toLocalInput(filters.from));
  const [to, setTo] = useState(() => toLocalInput(filters.to));
  const [error, setError] = useState<string | null>(null);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const start = from ? new Date(from) : null;
    const end = to ? new Date(to) : null;
    if (!start || Number.isNaN(start.getTime())) return setError('Choose when the window starts.');
    if (end && end <= start) return setError('The end must be after the start.');
    setError(null);
    setEditing(false);
    setFilters({ from: start.toISOString(), to: end ? end.toISOString() : undefined });
  };

  return (
    <div className="flex flex-col items-end gap-2">
      <div role="group" aria-label="Time range" className="inline-flex rounded-lg bg-slate-100 p-0.5">
        {USAGE_RANGES.map((range) => (
          <button
            key={range}
            type="button"
            aria-pressed={active === range}
            title={RANGE_NAMES[range]}
            onClick={() => {
              setEditing(false);
              setFilters({ range, from: undefined, to: undefined });
            }}
            className={cx(
              'rounded-md px-3 py-1.5 text-sm font-medium',
              active === range ? 'bg-white text-slate-900 shadow-xs' : 'text-slate-600 hover:text-slate-900',
            )}
          >
            {RANGE_LABELS[range]}
          </button>
        ))}
        <button
          type="button"
          aria-pressed={custom}
          aria-expanded={editing}
          onClick={() => {
            setFrom(toLocalInput(filters.from ?? new Date(Date.now() - 86_400_000).toISOString()));
            setTo(toLocalInput(filters.to));
            setEditing((v) => !v);
          }}
          className={cx(
            'rounded-md px-3 py-1.5 text-sm font-medium',
            custom ? 'bg-white text-slate-900 shadow-xs' : 'text-slate-600 hover:text-slate-900',
          )}
        >
          Custom
        </button>
      </div>
      {editing && (
        <form
          onSubmit={apply}
          aria-label="Custom time range"
          className="flex flex-wrap items-end gap-2 rounded-lg border border-slate-200 bg-white p-3 shadow-sm"
        >
          <label className="flex flex-col gap-1 text-xs font-medium text-slate-700">
            From
            <input
              type="datetime-local"
              value={from}
              onChange={(e) => setFrom(e.target.value)}
              className="h-9 rounded-lg px-2 text-sm ring-1 ring-slate-300 outline-none ring-inset focus:ring-2 focus:ring-brand-500"
            />
          </label>
          <label className="flex flex-col gap-1 text-xs font-medium text-slate-700">
            To (empty: now)
            <input
              type="datetime-local"
              value={to}
              onChange={(e) => setTo(e.target.value)}
              className="h-9 rounded-lg px-2 text-sm ring-1 ring-slate-300 outline-none ring-inset focus:ring-2 focus:ring-brand-500"
            />
          </label>
          <Button type="submit" size="sm">
            Apply
          </Button>
          {error && (
            <p role="alert" className="w-full text-sm text-red-600">
              {error}
            </p>
          )}
        </form>
      )}
    </div>
  );
}
