'use client';

import { useQuery } from '@tanstack/react-query';
import type { QuotaStatus } from '@toolgate/api/services/quota';
import { WarningIcon } from '~/components/icons';
import { Alert, Notice } from '~/components/ui/alert';
import { cx } from '~/components/ui/cx';
import { useTRPC } from '~/trpc/react';

/** Calls arrive through the usage pipeline (about a second behind): refresh while the page is open. */
const REFRESH_MS = 30_000;

const count = (n: number): string => n.toLocaleString('en-US');

/** The quota resets at 00:00 UTC on this day. */
const day = (iso: string): string =>
  new Date(iso).toLocaleDateString('en-US', { timeZone: 'UTC', dateStyle: 'long' });

const PER_MINUTE: { key: keyof QuotaStatus['perMinute']; label: string }[] = [
  { key: 'callsPerMinute', label: 'Calls per minute, whole workspace' },
  { key: 'callsPerMinutePerToken', label: 'Calls per minute, per token' },
  { key: 'callsPerMinutePerUser', label: 'Calls per minute, per user' },
];

/**
 * The workspace's tool calls this month against its monthly quota (members see it too: the quota
 * binds their calls), with a warning from 80% and a stronger one at 100%, and the per-minute limits
 * that apply. Set by the deployment's plans and the operator's overrides.
 */
export function QuotaMeter() {
  const trpc = useTRPC();
  const quota = useQuery({ ...trpc.quota.get.queryOptions(), refetchInterval: REFRESH_MS });
  if (quota.error) return <Alert className="mt-6">Could not load the quota: {quota.error.message}</Alert>;
  if (!quota.data) return null;
  const status = quota.data;
  const perMinute = PER_MINUTE.filter(({ key }) => status.perMinute[key].limit !== null);
  return (
    <section
      aria-labelledby="quota-title"
      className="mt-6 rounded-xl border border-slate-200 bg-white p-5 shadow-xs"
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="quota-title" className="text-sm font-semibold text-slate-900">
          Monthly tool calls
        </h2>
        <span className="text-xs text-slate-500">Plan: {status.plan.title}</span>
      </div>
      {status.callsPerMonth === null ? (
        <p className="mt-2 text-sm text-slate-700">No monthly limit on tool calls.</p>
      ) : (
        <MonthlyQuota status={status} limit={status.callsPerMonth} />
      )}
      {perMinute.length > 0 && (
        <dl className="mt-4 grid gap-x-6 gap-y-1 text-sm sm:grid-cols-3" aria-label="Per-minute limits">
          {perMinute.map(({ key, label }) => (
            <div key={key}>
              <dt className="text-slate-500">{label}</dt>
              <dd className="font-medium text-slate-900">{count(status.perMinute[key].limit!)}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

function MonthlyQuota({ status, limit }: { status: QuotaStatus; limit: number }) {
  const { used, level } = status;
  const percent = status.percent ?? 0;
  const resets = day(status.period.end);
  const numbers = `${count(used)} of ${count(limit)} tool calls this month`;
  return (
    <>
      <p className="mt-2 text-sm text-slate-900">
        <span className="font-medium" data-testid="quota-numbers">
          {numbers}
        </span>{' '}
        <span className="text-slate-500">
          ({percent}%) · for the whole workspace · resets on {resets} (00:00 UTC)
          {status.source === 'override' && ' · limit set for this workspace'}
        </span>
      </p>
      <div
        role="meter"
        aria-label="Tool calls this month"
        aria-valuemin={0}
        aria-valuemax={limit}
        aria-valuenow={Math.min(used, limit)}
        aria-valuetext={`${numbers} (${percent}%)`}
        className="mt-2 h-2.5 overflow-hidden rounded-full bg-slate-100"
      >
        <div
          className={cx(
            'h-full rounded-full',
            level === 'exceeded' ? 'bg-red-500' : level === 'warning' ? 'bg-amber-500' : 'bg-indigo-500',
          )}
          style={{ width: `${Math.min(percent, 100)}%` }}
        />
      </div>
      {level === 'warning' && (
        <Notice role="status" className="mt-3 flex items-start gap-2">
          <WarningIcon className="mt-px size-4.5 shrink-0 text-amber-600" />
          <span>
            This workspace has used {percent}% of its monthly tool calls. At {count(limit)}, new tool calls
            are refused until {resets}.
          </span>
        </Notice>
      )}
      {level === 'exceeded' && (
        <Alert className="mt-3">
          The monthly quota is reached: new tool calls are refused until {resets} (00:00 UTC). Other requests,
          such as listing tools, still work.
        </Alert>
      )}
      <p className="mt-2 text-xs text-slate-500">
        Counts tool calls that ran; refused calls are not counted.
      </p>
    </>
  );
}
