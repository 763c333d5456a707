import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "policies/**/*.test.ts"],
    testTimeout: 60_000,
    globalSetup: ["test/support/build-clis.ts"],
    hookTimeout: 120_000,
    // Pulumi's runtime is process-global: each test file gets its own process.
    pool: "forks",
    // The real-environment files (test/rehearsal) spend most of their time waiting on bake timers,
    // not on the CPU: four files at once on two cores keeps both cores busy (each uses its own ports).
    poolOptions: { forks: { maxForks: 4, minForks: 1 } },
  },
});
