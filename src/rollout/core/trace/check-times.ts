/** The span a trace records, and the times of its checks (epoch milliseconds). Pure. */

export interface TimeRange {
  fromMs: number;
  toMs: number;
  stepSeconds: number;
}

/** The check times of a range, epoch milliseconds. */
export function checkTimes(range: TimeRange): number[] {
  const times: number[] = [];
  const stepMs = range.stepSeconds * 1000;
  for (let t = range.fromMs + stepMs; t <= range.toMs; t += stepMs) times.push(t);
  return times;
}
