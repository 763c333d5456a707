import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "policies/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Pulumi's runtime is process-global: each test file gets its own process.
    pool: "forks",
  },
});
