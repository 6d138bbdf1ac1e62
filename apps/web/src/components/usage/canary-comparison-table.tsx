import type { CanaryReport, VariantStats } from '@toolgate/api/schemas/installation-versions';

const percent = (rate: number) => `${(rate * 100).toFixed(rate > 0 && rate < 0.01 ? 2 : 1)}%`;
const ms = (value: number | null) => (value === null ? '—' : `${value} ms`);

/** Stable and canary side by side since the canary started: calls, error rate, p50 and p95. */
export function CanaryComparisonTable({
  comparison,
  label = 'Stable and canary compared',
}: {
  comparison: NonNullable<CanaryReport['comparison']>;
  label?: string;
}) {
  return (
    <table className="w-full text-left text-sm" aria-label={label}>
      <thead className="text-slate-500">
        <tr>
          <th className="py-1.5 font-medium">Since the canary started</th>
          <th className="py-1.5 font-medium">Calls</th>
          <th className="py-1.5 font-medium">Error rate</th>
          <th className="py-1.5 font-medium">p50</th>
          <th className="py-1.5 font-medium">p95</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100 text-slate-900">
        <StatsRow name="Stable" stats={comparison.stable} />
        <StatsRow name="Canary" stats={comparison.canary} />
      </tbody>
    </table>
  );
}

function StatsRow({ name, stats }: { name: string; stats: VariantStats }) {
  return (
    <tr>
      <th scope="row" className="py-1.5 font-medium">
        {name} <code className="font-mono text-xs text-slate-500">{stats.version ?? ''}</code>
      </th>
      <td className="py-1.5 tabular-nums">{stats.calls}</td>
      <td className="py-1.5 tabular-nums">{stats.calls > 0 ? percent(stats.errorRate) : '—'}</td>
      <td className="py-1.5 tabular-nums">{ms(stats.p50Ms)}</td>
      <td className="py-1.5 tabular-nums">{ms(stats.p95Ms)}</td>
    </tr>
  );
}
