import { EvidenceSettingsSchema } from "../src/config/evidence";
import { exactRevert } from "../src/rollout/core/evidence/exact";
import { revertsNow } from "../src/rollout/core/evidence/judge";
import { deriveEvidenceRule } from "../src/rollout/core/evidence/params";
import { initialCountEvidence, observeCounts } from "../src/rollout/core/evidence/state";
import { neymanPearsonPower } from "./np-ceiling";
import { binomialDraw, mulberry32 } from "./simulate";

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
    const r1000 = deriveEvidenceRule(LIMITS, config, 1000);
    const random = mulberry32(7);
    let caught = 0;
    const RUNS = 20000;
    for (let run = 0; run < RUNS; run++) {
      let state = initialCountEvidence();
      for (let t = 0; t < 40; t++)
        state = observeCounts(state, { requests: 1000, errors: binomialDraw(1000, 0.005, random) }, r1000);
      const check = { requests: 50, errors: binomialDraw(50, 0.2, random) };
      state = observeCounts(state, check, r50);
      if (revertsNow(state, r50, check)) caught++;
    }
    out.late = (caught / RUNS).toFixed(4);
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
