/** What a gate (pre-traffic, post-promotion) found, as the journal keeps it. Types only. */

export type GateKind = "pre-traffic" | "post-promotion";

/** One probe's outcome: what was asked of which endpoint, and what came back. */
export interface ProbeOutcome {
  probe: "endpoint" | "health" | "probe" | "command";
  /** The endpoint or command, for people ("canary http://127.0.0.1:9592/health"). */
  target: string;
  passed: boolean;
  /** One line: "3/3 2xx, slowest 12 ms" or "exit 1 after 2.1 s". */
  summary: string;
  detail?: Record<string, number | string | boolean | null>;
  /** A command's captured output (bounded: head and tail). */
  output?: string;
}

export interface GateRecord {
  kind: GateKind;
  passed: boolean;
  probes: ProbeOutcome[];
}
