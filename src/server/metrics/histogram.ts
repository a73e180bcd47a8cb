/**
 * A Prometheus histogram for the request hot paths, exported through prom-client's registry.
 * prom-client's own `observe` hashes and validates the label set on every call, even on a
 * child from `labels()` (docs/performance.md has the cost); here a label set is resolved
 * once to a child holding plain numbers, and `observe` is a bucket search and three adds.
 * The registry calls `get()` on a scrape and formats the values itself.
 */
import type { Metric, Registry } from 'prom-client';

/** One exported line: the shape prom-client's own metrics return from `get()`. */
interface ExportedValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/** One label set's counts. */
export class HistogramChild {
  /** Observations at or below each bound (not cumulative; summed on export). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    private readonly bounds: readonly number[],
    readonly labels: Record<string, string>,
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  /** Record one observation (in the histogram's unit, seconds here). */
  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    if (i < bounds.length) (this.counts[i] as number)++;
    this.sum += value;
    this.count++;
  }
}

export interface FastHistogramOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
  /** Upper bounds, ascending; `+Inf` is added on export. */
  buckets: readonly number[];
}

/** A histogram whose children are looked up once by their caller and observed without hashing. */
export class FastHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly children = new Map<string, HistogramChild>();

  constructor(private readonly options: FastHistogramOptions) {
    this.name = options.name;
    this.help = options.help;
  }

  /** Add to a registry: it only calls `get()`, the one method prom-client's typings ask more of. */
  register(registry: Registry): this {
    registry.registerMetric(this as unknown as Metric);
    return this;
  }

  /** The child for these label values (in `labelNames` order), created on first use. */
  child(...values: string[]): HistogramChild {
    const key = values.join('\u0000');
    let child = this.children.get(key);
    if (!child) {
      const labels: Record<string, string> = {};
      this.options.labelNames.forEach((name, i) => (labels[name] = values[i] ?? ''));
      child = new HistogramChild(this.options.buckets, labels);
      this.children.set(key, child);
    }
    return child;
  }

  /** What prom-client's registry formats: cumulative buckets, `+Inf`, sum and count per child. */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: ExportedValue[] }> {
    const values: ExportedValue[] = [];
    const { buckets } = this.options;
    for (const child of this.children.values()) {
      let cumulative = 0;
      buckets.forEach((le, i) => {
        cumulative += child.counts[i] as number;
        values.push({ metricName: `${this.name}_bucket`, labels: { ...child.labels, le }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...child.labels, le: '+Inf' }, value: child.count });
      values.push({ metricName: `${this.name}_sum`, labels: child.labels, value: child.sum });
      values.push({ metricName: `${this.name}_count`, labels: child.labels, value: child.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
