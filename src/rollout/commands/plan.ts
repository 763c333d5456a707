import { EXIT } from "../core/outcome";
import { buildPlan } from "../core/plan";
import { formatPlan } from "../report/plan-text";
import { type CommonOptions, loadConfig, processStreams, type Streams } from "./common";

export function planCommand(stage: string, options: CommonOptions, io: Streams = processStreams): number {
  const cfg = loadConfig(stage, options, io);
  if (!cfg) return EXIT.error;
  const plan = buildPlan(cfg);
  if (options.json) io.out(`${JSON.stringify({ plan, thresholds: cfg.thresholds }, null, 2)}\n`);
  else io.out(formatPlan(cfg, plan));
  return EXIT.ok;
}
