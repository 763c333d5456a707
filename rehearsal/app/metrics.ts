/**
 * A tiny Prometheus text-format registry for the rehearsal app. The names and labels are Cloud
 * Monitoring's for Cloud Run (what `src/signals` queries in prod), so the runner's PromQL runs
 * unchanged against the local Prometheus. Hand-rolled: two metric kinds are all the app needs.
 */

export type Labels = Record<string, string>;

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function renderLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  return parts.length > 0 ? `{${parts.join(",")}}` : "";
}

function renderNumber(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  return Number.isInteger(value) ? String(value) : value.toPrecision(12).replace(/\.?0+$/, "");
}

/** A counter with one extra label (Cloud Run's `response_code_class`). */
export class Counter {
  private readonly values = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labels: Labels,
    private readonly extraLabel: string,
    /** Label values created at 0 up front: `rate()` cannot see the first increment of a new series. */
    initialValues: string[],
  ) {
    for (const value of initialValues) this.values.set(value, 0);
  }

  inc(extraValue: string, by = 1): void {
    this.values.set(extraValue, (this.values.get(extraValue) ?? 0) + by);
  }

  get(extraValue: string): number {
    return this.values.get(extraValue) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [value, count] of this.values) {
      lines.push(`${this.name}${renderLabels({ ...this.labels, [this.extraLabel]: value })} ${count}`);
    }
    return lines.join("\n");
  }
}

/** A cumulative histogram, rendered as `_bucket{le}`, `_sum` and `_count` like Cloud Monitoring's distributions. */
export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labels: Labels,
    /** Upper bounds, increasing; +Inf is implied. */
    private readonly bounds: readonly number[],
  ) {
    this.counts = bounds.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) {
      if (value <= (this.bounds[i] as number)) this.counts[i] = (this.counts[i] as number) + 1;
    }
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.bounds.forEach((bound, i) => {
      lines.push(
        `${this.name}_bucket${renderLabels({ ...this.labels, le: renderNumber(bound) })} ${this.counts[i]}`,
      );
    });
    lines.push(`${this.name}_bucket${renderLabels({ ...this.labels, le: "+Inf" })} ${this.count}`);
    lines.push(`${this.name}_sum${renderLabels(this.labels)} ${renderNumber(this.sum)}`);
    lines.push(`${this.name}_count${renderLabels(this.labels)} ${this.count}`);
    return lines.join("\n");
  }
}

/** Anything the registry can render. */
export interface Metric {
  render(): string;
}

/**
 * `process_start_time_seconds`, the client libraries' standard gauge: it tells a reader of the
 * counters when they restarted from 0 (a lower reading alone proves nothing).
 */
export class ProcessStartTime {
  readonly name = "process_start_time_seconds";
  constructor(
    private readonly labels: Labels,
    private readonly startedAtSeconds: number,
  ) {}

  render(): string {
    return [
      `# HELP ${this.name} Start time of the process since unix epoch in seconds.`,
      `# TYPE ${this.name} gauge`,
      `${this.name}${renderLabels(this.labels)} ${renderNumber(this.startedAtSeconds)}`,
    ].join("\n");
  }
}

export function renderExposition(metrics: Metric[]): string {
  return `${metrics.map((metric) => metric.render()).join("\n")}\n`;
}
