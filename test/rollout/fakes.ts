import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Release, StageConfig } from "../../src/config";
import type { Streams } from "../../src/rollout/commands/common";
import type { OperatorEdges } from "../../src/rollout/commands/operator-edges";
import type { RunOptions } from "../../src/rollout/controller/runner";
import type { RunnerEvent } from "../../src/rollout/core/events";
import type { MetricsSample, SideSample } from "../../src/rollout/core/sample/sample";
import type {
  DeployedReleases,
  MetricsSource,
  Notifier,
  RolloutEvent,
  TrafficChange,
  TrafficDriver,
} from "../../src/rollout/edges/types";

export const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);

/** Command streams that keep what is written: `text.out` / `out()` and `text.err` / `err()`. */
export function bufferedStreams() {
  const text = { out: "", err: "" };
  const io: Streams = {
    out: (t) => {
      text.out += t;
    },
    err: (t) => {
      text.err += t;
    },
  };
  return { text, io, out: () => text.out, err: () => text.err };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "ion-rollout-test-"));
}

/**
 * A wall clock, a monotonic clock and a sleep that advance together: fake time. A test may move
 * `now` (the wall clock) alone, like an NTP step or an operator setting the date.
 */
export class FakeTime {
  now = T0;
  /** Monotonic ms (`performance.now()`); only sleeps move it. */
  mono = 0;
  /** Called on every sleep; may hang (a killed process), abort, or act first (an operator writing a request). */
  onSleep?: (now: number) => undefined | Promise<unknown>;
  clock = () => this.now;
  monotonic = () => this.mono;
  sleep = async (ms: number, signal?: AbortSignal) => {
    if (signal?.aborted) return;
    this.now += ms;
    this.mono += ms;
    const hook = this.onSleep?.(this.now);
    if (hook) await hook;
  };
  at(seconds: number): number {
    return T0 + seconds * 1000;
  }
}

export class FakeDriver implements TrafficDriver {
  readonly description = "fake driver";
  applied: TrafficChange[] = [];
  weight: number | undefined = 0;
  failAt = new Set<number>();
  /** Releases deployed at 0%, in order. */
  deployed: Release[] = [];
  /** What `waitReady` answers: ready, or an error (the new release never becomes ready). */
  readiness: "ready" | Error = "ready";
  /** Every call in order: "deploy NAME", "ready NAME", "apply N". */
  calls: string[] = [];
  async apply(change: TrafficChange): Promise<void> {
    if (this.failAt.has(change.canaryWeight)) throw new Error(`update failed at ${change.canaryWeight}%`);
    this.calls.push(`apply ${change.canaryWeight}`);
    this.applied.push(change);
    this.weight = change.canaryWeight;
  }
  async deployCanary(releases: DeployedReleases): Promise<void> {
    this.calls.push(`deploy ${releases.canary.name}`);
    this.deployed.push(releases.canary);
  }
  async waitReady(release: Release): Promise<string> {
    if (this.readiness instanceof Error) throw this.readiness;
    this.calls.push(`ready ${release.name}`);
    return `${release.name} ready`;
  }
  async currentCanaryWeight(): Promise<number | undefined> {
    return this.weight;
  }
  weights(): number[] {
    return this.applied.map((c) => c.canaryWeight);
  }
}

export function healthy(requests = 1000, overrides: Partial<SideSample> = {}): SideSample {
  return { requests, errors: 0, p95LatencyMs: 120, memory: 0.4, cpu: 0.3, sampleAgeSeconds: 5, ...overrides };
}

/** Metrics from a function of time and the driver's weight; throws when it returns an Error. */
export class FakeMetrics implements MetricsSource {
  readonly description = "fake metrics";
  samples = 0;
  constructor(
    private readonly time: FakeTime,
    private readonly canary: (now: number) => SideSample | Error = () => healthy(),
  ) {}
  async sample(): Promise<MetricsSample> {
    this.samples++;
    const canary = this.canary(this.time.now);
    if (canary instanceof Error) throw canary;
    return {
      at: this.time.now,
      canary,
      stable: healthy(19_000),
      queries: {
        requests: "sum(increase(requests[60s]))",
        errors: "sum(increase(errors[60s]))",
        p95LatencyMs: "histogram_quantile(0.95, ...)",
      },
      errors: [],
    };
  }
}

export class FakeNotifier implements Notifier {
  events: RolloutEvent[] = [];
  async notify(event: RolloutEvent): Promise<void> {
    this.events.push(event);
  }
}

/** What an operator command reaches the platform through: a fake driver, a clock, instant sleeps. */
export function operatorEdges(driver: TrafficDriver, clock: () => number = Date.now): OperatorEdges {
  // Instant sleeps that still yield to the event loop, so a runner in the same process can act.
  return { driverFor: async () => driver, clock, sleep: () => new Promise((r) => setImmediate(r)) };
}

/**
 * A runner on fakes in fake time (driver, metrics from `canary`, notifier, collected events) and
 * the options that start it on `cfg`, any of them overridden.
 */
export function fakeRun(
  cfg: StageConfig,
  overrides: Partial<RunOptions> = {},
  canary?: ConstructorParameters<typeof FakeMetrics>[1],
) {
  const time = new FakeTime();
  const driver = new FakeDriver();
  const metrics = new FakeMetrics(time, canary);
  const notifier = new FakeNotifier();
  const events: RunnerEvent[] = [];
  const options: RunOptions = {
    cfg,
    driver,
    metrics,
    notifier,
    stateDir: tempDir(),
    mode: "start",
    clock: time.clock,
    monotonic: time.monotonic,
    sleep: time.sleep,
    onEvent: (e) => events.push(e),
    lease: { pid: 4242, isAlive: () => false },
    ...overrides,
  };
  return { time, driver, metrics, notifier, events, options };
}
