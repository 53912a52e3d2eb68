import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // the JSON results let .ci/run print a plain "N passed, N failed" closing line
    reporters: ["default", ["json", { outputFile: "out/vitest-results.json" }]],
  },
});
