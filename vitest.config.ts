import { defineConfig } from "vitest/config";

/**
 * The stack and policy tests render the real stage programs under Pulumi's mocks; loading
 * @pulumi/pulumi and the providers costs ~3 s of CPU per process, more than most of those files'
 * tests. They run in one reused worker thread (`isolate: false`, one thread), so the SDKs load
 * once: renders reset Pulumi's mocks and config each time, and these files set no other global
 * state. Every other file gets a fresh process: the real-environment and CLI files own ports,
 * signals, child processes and temp dirs.
 */
const RENDER_FILES = [
  "test/aws/!(cli).test.ts",
  "test/gcp/*.test.ts",
  "test/k8s/monitoring.test.ts",
  "test/policies/!(cli|pack|standalone-pack).test.ts",
  "test/synth/print.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ["test/support/build-clis.ts"],
    pool: "forks",
    // The real-environment files (test/rehearsal) spend most of their time waiting on bake timers:
    // four files at once on two cores keeps both busy (each uses its own ports).
    poolOptions: { forks: { maxForks: 4, minForks: 1 } },
    projects: [
      {
        extends: true,
        test: {
          name: "renders",
          include: RENDER_FILES,
          isolate: false,
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        extends: true,
        test: {
          name: "processes",
          include: ["test/**/*.test.ts", "policies/**/*.test.ts"],
          exclude: RENDER_FILES,
        },
      },
    ],
  },
});
