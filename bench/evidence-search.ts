import { join, resolve } from "node:path";
import { loadStageConfig } from "../src/config";
import { EvidenceSettingsSchema } from "../src/config/evidence";
import { exactRevert } from "../src/rollout/core/evidence/exact";
import { deriveEvidenceRule } from "../src/rollout/core/evidence/params";
import { lateFault } from "./late-fault";
import { neymanPearsonPower } from "./np-ceiling";

const LIMITS = { rollbackAbove: 0.01, goAtMost: 0.005 };
const sched = (requests: number, rate: number, rule: ReturnType<typeof deriveEvidenceRule>) =>
  Array.from({ length: 60 }, () => ({ requests, rate, rule }));

export function quick(overrides: Record<string, unknown>, withLate = true) {
  const t0 = performance.now();
  const config = EvidenceSettingsSchema.parse(overrides);
  const r15 = deriveEvidenceRule(LIMITS, config, 15);
  const fr = exactRevert(sched(15, 0.005, r15)).reverted;
  const det = exactRevert(sched(15, 0.015, r15)).reverted;
  const ceil = neymanPearsonPower(900, 0.005, 0.015, fr);
  const obs = exactRevert(sched(15, 0.008, r15)).reverted;
  const five = exactRevert(sched(15, 0.05, r15)).reverted;
  const out: Record<string, unknown> = {
    bar15: Math.exp(r15.changePointLogBar).toExponential(2),
    fr15: fr.toExponential(2),
    det15: det.toFixed(4),
    share: (det / ceil).toFixed(4),
    obs15: obs.toFixed(4),
    five15: five.toFixed(4),
  };
  if (withLate) {
    const r50 = deriveEvidenceRule(LIMITS, config, 50);
    out.bar50 = Math.exp(r50.changePointLogBar).toExponential(2);
    out.first50 = exactRevert([{ requests: 50, rate: 0.2, rule: r50 }]).reverted.toFixed(4);
    // The late fault through the runner's decision path (1,000/check declared), as `npm run bench` measures it.
    const prod = loadStageConfig("prod", join(resolve(__dirname, ".."), "Pulumi.prod.yaml"));
    const errorRate = { ...prod.thresholds.errorRate, evidence: config };
    const cfg = { ...prod, thresholds: { ...prod.thresholds, errorRate } };
    out.late = lateFault(cfg, { declared: true, runs: 5000, seed: 7 }).estimate.toFixed(4);
  }
  out.s = ((performance.now() - t0) / 1000).toFixed(1);
  return out;
}

if (require.main === module) {
  const arg = process.argv[2] ?? "{}";
  const cands = JSON.parse(arg) as Record<string, unknown>[];
  for (const c of Array.isArray(cands) ? cands : [cands])
    console.log(JSON.stringify(c), JSON.stringify(quick(c, process.argv[3] !== "nolate")));
}
