import type { Metric, Registry } from 'prom-client';

/**
 * Counters and histograms for the request path. prom-client's own (even with children bound
 * by `labels()`) build and hash a label string and validate the labels on every update, about
 * 0.6 µs each; a tools/call makes four. Here a label set is bound once to a plain object, an
 * update is a few arithmetic operations on it, and the registry reads the objects when scraped,
 * through the `get()` every prom-client metric offers.
 */

type Labels = Record<string, string>;

interface ExportedValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

interface HotMetricConfig {
  name: string;
  help: string;
  registry: Registry;
}

abstract class HotMetric {
  readonly name: string;
  readonly help: string;
  abstract readonly type: 'counter' | 'histogram';
  readonly aggregator = 'sum';

  constructor({ name, help, registry }: HotMetricConfig) {
    this.name = name;
    this.help = help;
    // The registry asks only for name, help, type, aggregator, get() and reset().
    registry.registerMetric(this as unknown as Metric);
  }

  abstract get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: ExportedValue[];
  }>;

  abstract reset(): void;
}

/** One label set of a counter: `inc()` is an addition. */
export class CounterSeries {
  value = 0;

  constructor(readonly labels: Labels) {}

  inc(by = 1): void {
    this.value += by;
  }
}

export class HotCounter extends HotMetric {
  readonly type = 'counter';
  private readonly series: CounterSeries[] = [];

  /** Call once per label set and keep the result; every call makes a new series. */
  bind(labels: Labels): CounterSeries {
    const series = new CounterSeries(labels);
    this.series.push(series);
    return series;
  }

  get() {
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.series.map((s) => ({ value: s.value, labels: s.labels })),
    });
  }

  reset(): void {
    for (const s of this.series) s.value = 0;
  }
}

/** One label set of a histogram: `observe()` finds the bucket and adds. */
export class HistogramSeries {
  /** Per bucket (not cumulative), the last one past every bound (+Inf). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export class HotHistogram extends HotMetric {
  readonly type = 'histogram';
  private readonly series: HistogramSeries[] = [];
  private readonly bounds: readonly number[];

  constructor(config: HotMetricConfig & { buckets: readonly number[] }) {
    super(config);
    this.bounds = [...config.buckets].sort((a, b) => a - b);
  }

  /** Call once per label set and keep the result; every call makes a new series. */
  bind(labels: Labels): HistogramSeries {
    const series = new HistogramSeries(labels, this.bounds);
    this.series.push(series);
    return series;
  }

  get() {
    const values: ExportedValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.series) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += s.counts[i]!;
        values.push({ value: cumulative, labels: { ...s.labels, le }, metricName: bucket });
      });
      values.push({ value: s.count, labels: { ...s.labels, le: '+Inf' }, metricName: bucket });
      values.push({ value: s.sum, labels: s.labels, metricName: `${this.name}_sum` });
      values.push({ value: s.count, labels: s.labels, metricName: `${this.name}_count` });
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    });
  }

  reset(): void {
    for (const s of this.series) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
