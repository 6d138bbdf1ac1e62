'use client';

import type { UsagePoint } from '@toolgate/api/schemas/usage';
import { useState, type ReactNode } from 'react';
import { formatBucket, formatCount, formatMs, formatTick } from './format.ts';
import { useElementWidth } from './use-element-width.ts';

/*
 * Hand-drawn SVG charts over the usage series: no chart library, pixel coordinates from the
 * measured width (so text never stretches), one hover tooltip per bucket.
 */

const MARGIN = { top: 10, right: 12, bottom: 26, left: 52 };

interface Scale {
  left: number;
  top: number;
  innerWidth: number;
  innerHeight: number;
  /** Width of one bucket's band. */
  band: number;
  /** Left edge of bucket i's band. */
  x(i: number): number;
  y(value: number): number;
}

/**
 * The top of an axis with four round steps (1, 2, 2.5 or 5 × 10^n each) that reaches `value`;
 * for counts the steps are whole numbers.
 */
export function niceMax(value: number, integer: boolean): number {
  const ticks = 4;
  if (!(value > 0)) return integer ? ticks : 1;
  const raw = value / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) {
    const step = m * magnitude;
    if (step >= raw && (!integer || Number.isInteger(step))) return step * ticks;
  }
  return 10 * magnitude * ticks;
}

function TimeChart({
  points,
  bucketSeconds,
  label,
  height = 200,
  yMax,
  yFormat,
  plot,
  tooltip,
}: {
  points: UsagePoint[];
  bucketSeconds: number;
  label: string;
  height?: number;
  yMax: number;
  yFormat: (value: number) => string;
  plot: (scale: Scale) => ReactNode;
  tooltip: (point: UsagePoint) => ReactNode;
}) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const [hover, setHover] = useState<number | null>(null);
  const innerWidth = Math.max(10, width - MARGIN.left - MARGIN.right);
  const innerHeight = height - MARGIN.top - MARGIN.bottom;
  const n = Math.max(1, points.length);
  const band = innerWidth / n;
  const scale: Scale = {
    left: MARGIN.left,
    top: MARGIN.top,
    innerWidth,
    innerHeight,
    band,
    x: (i) => MARGIN.left + i * band,
    y: (value) => MARGIN.top + innerHeight - (Math.min(value, yMax) / yMax) * innerHeight,
  };
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax);
  const spanMs = points.length * bucketSeconds * 1_000;
  const labelEvery = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(innerWidth / 90))));
  const hovered = hover === null ? undefined : points[hover];

  return (
    <div ref={ref} className="relative w-full">
      <svg
        width={width}
        height={height}
        role="img"
        aria-label={label}
        className="block overflow-visible"
        onMouseLeave={() => setHover(null)}
        onMouseMove={(e) => {
          const box = e.currentTarget.getBoundingClientRect();
          const i = Math.floor((e.clientX - box.left - MARGIN.left) / band);
          setHover(i >= 0 && i < points.length ? i : null);
        }}
      >
        {yTicks.map((tick) => (
          <g key={tick}>
            <line
              x1={MARGIN.left}
              x2={MARGIN.left + innerWidth}
              y1={scale.y(tick)}
              y2={scale.y(tick)}
              className={tick === 0 ? 'stroke-slate-300' : 'stroke-slate-100'}
            />
            <text
              x={MARGIN.left - 8}
              y={scale.y(tick)}
              textAnchor="end"
              dominantBaseline="middle"
              className="fill-slate-400 text-[11px] tabular-nums"
            >
              {yFormat(tick)}
            </text>
          </g>
        ))}
        {points.map((p, i) =>
          i % labelEvery === 0 ? (
            <text
              key={p.start}
              x={scale.x(i) + band / 2}
              y={height - 8}
              textAnchor="middle"
              className="fill-slate-400 text-[11px] tabular-nums"
            >
              {formatTick(p.start, bucketSeconds, spanMs)}
            </text>
          ) : null,
        )}
        {hover !== null && (
          <rect
            x={scale.x(hover)}
            y={MARGIN.top}
            width={band}
            height={innerHeight}
            className="fill-slate-900/5"
          />
        )}
        {plot(scale)}
      </svg>
      {hovered && hover !== null && (
        <div
          role="tooltip"
          className="pointer-events-none absolute top-0 z-10 w-max max-w-64 rounded-lg bg-slate-900 px-3 py-2 text-xs text-white shadow-lg"
          style={{
            left: Math.min(Math.max(0, scale.x(hover) + band / 2 - 80), Math.max(0, width - 170)),
          }}
        >
          <p className="font-medium text-slate-300">{formatBucket(hovered.start, bucketSeconds)}</p>
          <div className="mt-1 flex flex-col gap-0.5 tabular-nums">{tooltip(hovered)}</div>
        </div>
      )}
    </div>
  );
}

function Legend({ items }: { items: { label: string; className: string }[] }) {
  return (
    <ul className="flex flex-wrap gap-4 text-xs text-slate-500">
      {items.map((item) => (
        <li key={item.label} className="flex items-center gap-1.5">
          <span aria-hidden="true" className={`size-2.5 rounded-sm ${item.className}`} />
          {item.label}
        </li>
      ))}
    </ul>
  );
}

/** Calls per bucket as stacked bars: successful calls below, errors (any status but ok) on top. */
export function CallsChart({ points, bucketSeconds }: { points: UsagePoint[]; bucketSeconds: number }) {
  const total = points.reduce((n, p) => n + p.calls, 0);
  const errors = points.reduce((n, p) => n + p.errors, 0);
  const yMax = niceMax(Math.max(0, ...points.map((p) => p.calls)), true);
  return (
    <div className="flex flex-col gap-3">
      <Legend
        items={[
          { label: 'Successful', className: 'bg-brand-500' },
          { label: 'Errors', className: 'bg-red-500' },
        ]}
      />
      <TimeChart
        points={points}
        bucketSeconds={bucketSeconds}
        label={`Calls over time: ${formatCount(total)} calls, ${formatCount(errors)} errors`}
        yMax={yMax}
        yFormat={(v) => formatCount(Math.round(v))}
        plot={(s) => {
          const gap = s.band > 6 ? Math.min(4, s.band * 0.2) : 0;
          return points.map((p, i) => {
            if (p.calls === 0) return null;
            const x = s.x(i) + gap / 2;
            const w = Math.max(1, s.band - gap);
            const okTop = s.y(p.calls - p.errors);
            const top = s.y(p.calls);
            return (
              <g key={p.start}>
                <rect x={x} y={okTop} width={w} height={s.y(0) - okTop} className="fill-brand-500" />
                {p.errors > 0 && (
                  <rect x={x} y={top} width={w} height={okTop - top} className="fill-red-500" />
                )}
              </g>
            );
          });
        }}
        tooltip={(p) => (
          <>
            <span>{formatCount(p.calls)} calls</span>
            <span className={p.errors > 0 ? 'text-red-300' : 'text-slate-400'}>
              {formatCount(p.errors)} errors
            </span>
          </>
        )}
      />
    </div>
  );
}

/** Segments of consecutive non-null values, so a gap (no calls) breaks the line. */
function segments(values: (number | null)[]): { i: number; v: number }[][] {
  const out: { i: number; v: number }[][] = [];
  let current: { i: number; v: number }[] = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (current.length > 0) out.push(current);
      current = [];
    } else current.push({ i, v });
  });
  if (current.length > 0) out.push(current);
  return out;
}

const LATENCY_LINES = [
  { key: 'p50Ms', label: 'p50', stroke: 'stroke-brand-500', fill: 'fill-brand-500', swatch: 'bg-brand-500' },
  { key: 'p95Ms', label: 'p95', stroke: 'stroke-amber-500', fill: 'fill-amber-500', swatch: 'bg-amber-500' },
] as const;

/** p50 and p95 latency per bucket as two lines (buckets without calls leave a gap). */
export function LatencyChart({ points, bucketSeconds }: { points: UsagePoint[]; bucketSeconds: number }) {
  const yMax = niceMax(Math.max(0, ...points.map((p) => p.p95Ms ?? 0)), false);
  return (
    <div className="flex flex-col gap-3">
      <Legend items={LATENCY_LINES.map((l) => ({ label: l.label, className: l.swatch }))} />
      <TimeChart
        points={points}
        bucketSeconds={bucketSeconds}
        label="Latency over time: p50 and p95"
        yMax={yMax}
        yFormat={formatMs}
        plot={(s) =>
          LATENCY_LINES.map((line) => (
            <g key={line.key}>
              {segments(points.map((p) => p[line.key])).map((segment) => (
                <g key={segment[0]!.i}>
                  {segment.length > 1 && (
                    <polyline
                      fill="none"
                      strokeWidth={2}
                      strokeLinejoin="round"
                      className={line.stroke}
                      points={segment.map(({ i, v }) => `${s.x(i) + s.band / 2},${s.y(v)}`).join(' ')}
                    />
                  )}
                  {segment.map(({ i, v }) => (
                    <circle
                      key={i}
                      cx={s.x(i) + s.band / 2}
                      cy={s.y(v)}
                      r={segment.length > 1 ? 1.5 : 3}
                      className={line.fill}
                    />
                  ))}
                </g>
              ))}
            </g>
          ))
        }
        tooltip={(p) =>
          p.calls === 0 ? (
            <span className="text-slate-400">No calls</span>
          ) : (
            <>
              <span>p50 {formatMs(p.p50Ms)}</span>
              <span className="text-amber-300">p95 {formatMs(p.p95Ms)}</span>
            </>
          )
        }
      />
    </div>
  );
}
