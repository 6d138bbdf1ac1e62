'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { GRAPH_COLUMNS, type GraphColumn, type UsageGraph } from '@toolgate/api/schemas/usage';
import { useMemo, useState, type MouseEvent } from 'react';
import { ChartIcon, WarningIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { ButtonLink } from '~/components/ui/button';
import { cx } from '~/components/ui/cx';
import { EmptyState } from '~/components/ui/empty-state';
import { Loading } from '~/components/ui/spinner';
import { useTRPC } from '~/trpc/react';
import { FilterBar, useFacets } from './filter-bar.tsx';
import { formatCount } from './format.ts';
import { RangePicker } from './range-picker.tsx';
import { layout, NODE_HEIGHT, type Edge } from './graph-layout.ts';
import { useElementWidth } from './use-element-width.ts';
import { useUrlFilters } from './usage-filters.ts';

const COLUMN_TITLES: Record<GraphColumn, string> = {
  caller: 'Callers',
  gateway: 'Gateways',
  server: 'Servers',
  tool: 'Tools',
};
const truncate = (label: string, chars: number) =>
  label.length > chars ? `${label.slice(0, chars - 1)}…` : label;

/** Callers → gateways → servers → tools over the window: edge width ∝ calls, red where calls failed. */
export function UsageGraphView({ tenantSlug }: { tenantSlug: string }) {
  const trpc = useTRPC();
  const { filters, setFilters } = useUrlFilters();
  const graph = useQuery({ ...trpc.usage.graph.queryOptions(filters), placeholderData: keepPreviousData });
  const facets = useFacets(filters);

  return (
    <div className="mt-6 flex flex-col gap-6">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <FilterBar filters={filters} setFilters={setFilters} facets={facets.data} hide={['method']} />
        <RangePicker filters={filters} setFilters={setFilters} />
      </div>
      {graph.error && <Alert>{graph.error.message}</Alert>}
      {graph.data ? (
        graph.data.nodes.length === 0 ? (
          <div className="rounded-xl border border-dashed border-slate-300 bg-white">
            <EmptyState
              icon={ChartIcon}
              title="No tool calls in this window"
              description="The graph shows who called which tools through which gateways. Try a longer time range, or connect a client to a gateway."
            >
              <ButtonLink href={`/t/${tenantSlug}/gateways`} variant="secondary">
                Open gateways
              </ButtonLink>
            </EmptyState>
          </div>
        ) : (
          <GraphCard graph={graph.data} />
        )
      ) : (
        !graph.error && <Loading>Loading graph…</Loading>
      )}
    </div>
  );
}

export function GraphCard({ graph }: { graph: UsageGraph }) {
  const [ref, width] = useElementWidth<HTMLDivElement>(900);
  const [hover, setHover] = useState<{ kind: 'node' | 'edge'; id: string; x: number; y: number } | null>(
    null,
  );
  const { nodes, edges, height, nodeWidth, columnX } = useMemo(() => layout(graph, width), [graph, width]);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const maxCalls = Math.max(1, ...edges.map((e) => e.calls));
  const edgeId = (e: Edge) => `${e.from}→${e.to}`;
  const touches = (e: Edge) =>
    !hover ? true : hover.kind === 'edge' ? edgeId(e) === hover.id : e.from === hover.id || e.to === hover.id;
  const chars = Math.max(6, Math.floor((nodeWidth - 20) / 7));
  const hovered =
    hover?.kind === 'node'
      ? byId.get(hover.id)
      : hover?.kind === 'edge'
        ? edges.find((e) => edgeId(e) === hover.id)
        : undefined;
  const track = (kind: 'node' | 'edge', id: string) => (e: MouseEvent<SVGElement>) => {
    const box = (e.currentTarget.ownerSVGElement ?? e.currentTarget).getBoundingClientRect();
    setHover({ kind, id, x: e.clientX - box.left, y: e.clientY - box.top });
  };

  return (
    <section aria-label="Call graph" className="rounded-xl border border-slate-200 bg-white p-5 shadow-xs">
      <div className="mb-4 flex flex-wrap items-center justify-between gap-2 text-xs text-slate-500">
        <p>Edge width is proportional to calls; red edges carried failed calls. Hover for counts.</p>
        {graph.truncated && (
          <p className="flex items-center gap-1 text-amber-700">
            <WarningIcon className="size-4" /> Only the busiest paths are shown
          </p>
        )}
      </div>
      <div ref={ref} className="relative w-full">
        <svg
          width={width}
          height={height}
          role="img"
          aria-label={`Call graph: ${GRAPH_COLUMNS.map((c) => `${nodes.filter((n) => n.column === c).length} ${COLUMN_TITLES[c].toLowerCase()}`).join(', ')}`}
          className="block"
          onMouseLeave={() => setHover(null)}
        >
          {GRAPH_COLUMNS.map((c, i) => (
            <text
              key={c}
              x={columnX[i]! + nodeWidth / 2}
              y={14}
              textAnchor="middle"
              className="fill-slate-500 text-[11px] font-medium tracking-wide uppercase"
            >
              {COLUMN_TITLES[c]}
            </text>
          ))}
          {edges.map((e) => {
            const from = byId.get(e.from);
            const to = byId.get(e.to);
            if (!from || !to) return null;
            const x1 = from.x + nodeWidth;
            const y1 = from.y + NODE_HEIGHT / 2;
            const x2 = to.x;
            const y2 = to.y + NODE_HEIGHT / 2;
            const mid = (x1 + x2) / 2;
            const active = touches(e);
            return (
              <path
                key={edgeId(e)}
                d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`}
                fill="none"
                strokeWidth={1.5 + 12 * (e.calls / maxCalls)}
                strokeLinecap="round"
                data-errors={e.errors > 0 ? 'true' : undefined}
                className={cx(
                  'transition-opacity',
                  e.errors > 0 ? 'stroke-red-500' : 'stroke-brand-500',
                  active ? (e.errors > 0 ? 'opacity-70' : 'opacity-35') : 'opacity-10',
                )}
                onMouseMove={track('edge', edgeId(e))}
              >
                <title>
                  {`${from.label} → ${to.label}: ${formatCount(e.calls)} calls, ${formatCount(e.errors)} errors`}
                </title>
              </path>
            );
          })}
          {nodes.map((n) => (
            <g key={n.id} onMouseMove={track('node', n.id)}>
              <title>{`${n.label}: ${formatCount(n.calls)} calls, ${formatCount(n.errors)} errors`}</title>
              <rect
                x={n.x}
                y={n.y}
                width={nodeWidth}
                height={NODE_HEIGHT}
                rx={8}
                className={cx('fill-white', n.errors > 0 ? 'stroke-red-300' : 'stroke-slate-300')}
              />
              <text x={n.x + 10} y={n.y + 16} className="fill-slate-900 text-[12px] font-medium">
                {truncate(n.label, chars)}
              </text>
              <text x={n.x + 10} y={n.y + 30} className="fill-slate-500 text-[11px] tabular-nums">
                {formatCount(n.calls)} calls
                {n.errors > 0 && <tspan className="fill-red-600"> · {formatCount(n.errors)} errors</tspan>}
              </text>
            </g>
          ))}
        </svg>
        {hover && hovered && (
          <div
            role="tooltip"
            className="pointer-events-none absolute z-10 w-max max-w-72 rounded-lg bg-slate-900 px-3 py-2 text-xs text-white shadow-lg"
            style={{ left: Math.min(hover.x + 12, Math.max(0, width - 240)), top: hover.y + 12 }}
          >
            <p className="font-medium">
              {'label' in hovered
                ? hovered.label
                : `${byId.get(hovered.from)?.label ?? ''} → ${byId.get(hovered.to)?.label ?? ''}`}
            </p>
            <p className="mt-0.5 tabular-nums">
              {formatCount(hovered.calls)} calls
              <span className={hovered.errors > 0 ? 'text-red-300' : 'text-slate-400'}>
                {' '}
                · {formatCount(hovered.errors)} errors
              </span>
            </p>
          </div>
        )}
      </div>
      <details className="mt-4 text-sm">
        <summary className="cursor-pointer text-slate-600 hover:text-slate-900">Show as a table</summary>
        <table className="mt-3 w-full text-left text-sm" aria-label="Connections">
          <thead className="text-xs text-slate-500 uppercase">
            <tr>
              <th className="py-1.5 pr-3 font-medium">From</th>
              <th className="py-1.5 pr-3 font-medium">To</th>
              <th className="py-1.5 pr-3 text-right font-medium">Calls</th>
              <th className="py-1.5 text-right font-medium">Errors</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {edges.map((e) => (
              <tr key={edgeId(e)}>
                <td className="py-1.5 pr-3">{byId.get(e.from)?.label}</td>
                <td className="py-1.5 pr-3">{byId.get(e.to)?.label}</td>
                <td className="py-1.5 pr-3 text-right tabular-nums">{formatCount(e.calls)}</td>
                <td className={cx('py-1.5 text-right tabular-nums', e.errors > 0 && 'text-red-600')}>
                  {formatCount(e.errors)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}
