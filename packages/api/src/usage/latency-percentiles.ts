import { LATENCY_BUCKET_BOUNDS_MS } from '@toolgate/core/usage';

/**
 * Adds histograms element-wise into `into` (grown as needed). Histograms written before buckets
 * were appended are shorter; their missing buckets count as zero.
 */
export function mergeHistogram(into: number[], add: readonly number[]): number[] {
  for (let i = 0; i < add.length; i++) into[i] = (into[i] ?? 0) + (add[i] ?? 0);
  return into;
}

/**
 * The latency below which a fraction `q` (0–1) of calls fall, estimated from histogram counts over
 * `bounds` (bucket i holds latencies in (bounds[i-1], bounds[i]], the first from 0, the last
 * past the last bound). Within a bucket, calls are taken as spread evenly, so the answer is
 * interpolated between the bucket's bounds (as Prometheus' histogram_quantile does). The overflow
 * bucket has no upper bound: its estimate is its lower bound. Null when there are no calls.
 */
export function histogramPercentile(
  counts: readonly number[],
  q: number,
  bounds: readonly number[] = LATENCY_BUCKET_BOUNDS_MS,
): number | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`percentile must be within 0 and 1, got ${q}`);
  let total = 0;
  for (const c of counts) total += c > 0 ? c : 0;
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]! > 0 ? counts[i]! : 0;
    if (count === 0) continue;
    if (below + count >= rank) {
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      const upper = bounds[i];
      if (upper === undefined) return lower;
      // q = 0 asks for the smallest latency: the lower edge of the first non-empty bucket.
      return lower + ((upper - lower) * Math.max(0, rank - below)) / count;
    }
    below += count;
  }
  // Unreachable while counts sum to total; kept for the type checker.
  return bounds[bounds.length - 1] ?? null;
}

/** p50 and p95 of a histogram, rounded to 0.01 ms. */
export function latencyPercentiles(counts: readonly number[]): {
  p50Ms: number | null;
  p95Ms: number | null;
} {
  return { p50Ms: round(histogramPercentile(counts, 0.5)), p95Ms: round(histogramPercentile(counts, 0.95)) };
}

const round = (ms: number | null): number | null => (ms === null ? null : Math.round(ms * 100) / 100);
