import { defineConfig } from "vitest/config";

// Tests run against each package's TypeScript sources (the "@purertc/source"
// export condition), so a change in one package is seen by the others'
// tests without a rebuild. Child processes (CLI, interop) use the built dist.
export default defineConfig({
  resolve: { conditions: ["@purertc/source"] },
  ssr: { resolve: { conditions: ["@purertc/source"] } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "tools/*/src/**/*.test.ts"],
    pool: "forks",
    // Every file runs in its own process: the leak helper reads process-wide
    // state (fds, active resources), which must belong to one file only.
    isolate: true,
    maxWorkers: 2,
    execArgv: ["--expose-gc"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ["default"],
  },
});
