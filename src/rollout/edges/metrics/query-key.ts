import type { Side } from "../../../signals";

/**
 * Keys of `MetricsSample.queries`: the judged (canary) side by plain signal name, which is how the
 * analysis looks them up for its decision record; the stable side prefixed `stable.`.
 */
export function queryKey(side: Side, signal: string): string {
  return side === "canary" ? signal : `stable.${signal}`;
}
