import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests run against the TypeScript sources, so `npm test` needs no build step first.
const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      "@loopgate/core": src("./packages/core/src/index.ts"),
      "@loopgate/client": src("./packages/client/src/index.ts"),
      "@loopgate/server": src("./packages/server/src/index.ts"),
      "@loopgate/ai-sdk": src("./packages/ai-sdk/src/index.ts"),
      "@loopgate/openai-agents": src("./packages/openai-agents/src/index.ts"),
      "@loopgate/langchain": src("./packages/langchain/src/index.ts"),
      "@loopgate/claude-agent-sdk": src("./packages/claude-agent-sdk/src/index.ts"),
    },
  },
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts"],
    // A net for a hang, not a speed check: with three files at a time on two cores, a test that takes 9 s
    // alone has taken over 30 s in CI, so the net sits well above any honest run.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Vitest's default is one worker per core but one, which on the 2-core machines this runs on is a
    // single file at a time. Most files wait on servers, databases and browsers rather than compute, so
    // three at a time finish the suite in about 12 minutes instead of 15-18 (each file has its own
    // SQLite directory and PostgreSQL schema, so they never see each other's data).
    maxWorkers: Math.max(availableParallelism() - 1, 3),
  },
});
