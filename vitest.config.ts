import { defineConfig } from "vitest/config";
import LongWaitsFirst from "./test/support/long-waits-first";

/**
 * Two projects. "in-process": files whose code runs in the test's own process and leaves no
 * global state behind (renders reset Pulumi's mocks and config each time, fake timers and client
 * mocks are restored). They share one reused worker (`isolate: false`): loading @pulumi/pulumi and
 * the providers costs ~3 s of CPU per process, zod and the config ~0.5 s, more than most of these
 * files' tests. "processes": every other file gets a fresh process; the real-environment and CLI
 * files own ports, signals, child processes and temp dirs. `npm test` (scripts/test.sh) runs the
 * two projects at once.
 */
const IN_PROCESS_FILES = [
  "test/architecture/*.test.ts",
  "test/aws/!(cli).test.ts",
  "test/config/!(pulumi-config).test.ts",
  "test/gcp/*.test.ts",
  "test/k8s/monitoring.test.ts",
  "test/policies/!(cli|pack|standalone-pack).test.ts",
  "test/signals/*.test.ts",
  "test/synth/print.test.ts",
  "test/workflows.test.ts",
  "test/rollout/{analysis,commands,decide,edges-wiring,report-evidence,refused-before-traffic,report-layout,runner-deploy,runner-gates,runner,sequential,statistics,status-live}.test.ts",
  "test/rollout/cli/*.test.ts",
  "test/rollout/controller/*.test.ts",
  "test/rollout/safety/one-driver.test.ts",
  "test/rollout/core/**/*.test.ts",
  "test/rollout/edges/{traffic-identity,aws-healthy-targets,backoff,cloud-monitoring,google-credentials,rehearsal-cloud-monitoring,cloudwatch,cloudwatch-periods,notify,prometheus}.test.ts",
  "test/rollout/edges/traffic-api-*.test.ts",
  "test/rollout/edges/probes/{command,gate,health,rate-probe}.test.ts",
  "test/rollout/safety/{reconcile,clock-jump,durability,failing-disk,frozen-metrics,gate-abort,operator-requests,outside-text,report-escaping,resume,sample-domain,unreadable-lease,unreadable-state}.test.ts",
  "test/rollout/store/!(local-directory-race).test.ts",
  "test/rollout/trace/!(compare).test.ts",
  "test/bench/*.test.ts",
  "test/rehearsal/ports.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // The real-environment files (test/rehearsal) spend most of their time waiting on bake timers:
    // four files at once on two cores keeps both busy (each uses its own ports).
    poolOptions: { forks: { maxForks: 4, minForks: 1 } },
    sequence: { sequencer: LongWaitsFirst },
    projects: [
      {
        extends: true,
        test: {
          name: "in-process",
          include: IN_PROCESS_FILES,
          isolate: false,
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        extends: true,
        test: {
          name: "processes",
          include: ["test/**/*.test.ts", "policies/**/*.test.ts"],
          exclude: IN_PROCESS_FILES,
          // Only these files start the CLI; the in-process project does not wait for its build.
          globalSetup: ["test/support/build-cli.ts"],
        },
      },
    ],
  },
});
