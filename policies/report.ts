import type { PolicyRun, PolicyViolation } from "./harness";

/** How `ion-deploy synth <stage> --policies` prints a policy run: violations first, then a tally. */

function resourceOf(violation: PolicyViolation): string {
  return violation.resource ? `${violation.resource.type} "${violation.resource.name}"` : "(stack)";
}

export function formatPolicyReport(run: PolicyRun): string {
  const count = (status: string) => run.outcomes.filter((outcome) => outcome.status === status);
  const advisory = run.violations.length - run.mandatory.length;
  const lines = [
    `policies · stage ${run.stage} · ${run.outcomes.length} policies over ${run.resources} resources`,
  ];
  const ordered = [
    ...run.mandatory,
    ...run.violations.filter((violation) => !run.mandatory.includes(violation)),
  ];
  for (const violation of ordered) {
    lines.push(
      "",
      `${violation.enforcementLevel.toUpperCase()}  ${violation.policy}`,
      `    resource  ${resourceOf(violation)}`,
      `    ${violation.message}`,
    );
  }
  lines.push("");
  const passed = count("passed").map((outcome) => outcome.policy);
  const notApplicable = count("not-applicable").map((outcome) => outcome.policy);
  const disabled = count("disabled").map((outcome) => outcome.policy);
  if (passed.length) lines.push(`passed (${passed.length}): ${passed.join(", ")}`);
  if (notApplicable.length)
    lines.push(`not applicable (${notApplicable.length}): ${notApplicable.join(", ")}`);
  if (disabled.length) lines.push(`disabled (${disabled.length}): ${disabled.join(", ")}`);
  lines.push(
    run.violations.length === 0
      ? "result: clean, no violations"
      : `result: ${run.mandatory.length} mandatory, ${advisory} advisory violation(s)${run.mandatory.length > 0 ? " — a `pulumi up` with this pack would be blocked" : ""}`,
  );
  return `${lines.join("\n")}\n`;
}
