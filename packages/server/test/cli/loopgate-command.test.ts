import { execFileSync } from "node:child_process";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Issue 14, item 6: after `npm install`, the `loopgate` command works (`npx loopgate …`). npm links the
 * server workspace's bin into node_modules/.bin; the bin is a launcher checked into the repository, so the
 * link exists on a fresh install before anything is built, and the launcher compiles what it runs.
 */
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const LINK = `${ROOT}node_modules/.bin/loopgate`;

describe("the loopgate command", () => {
  it("is linked by npm install to the launcher in the server package", () => {
    expect(realpathSync(LINK)).toBe(realpathSync(`${ROOT}packages/server/bin/loopgate.js`));
  });

  it("runs the CLI from a checkout, compiling it when needed, and passes the exit code through", () => {
    const help = execFileSync(LINK, ["--help"], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    expect(help).toContain("loopgate serve [--port 8080]");
    let status: number | null = null;
    let stderr = "";
    try {
      execFileSync(LINK, ["no-such-command"], { cwd: ROOT, encoding: "utf8", stdio: "pipe" });
    } catch (err) {
      ({ status, stderr } = err as { status: number; stderr: string });
    }
    expect(status).not.toBe(0);
    expect(status).not.toBeNull();
    expect(stderr).toMatch(/no-such-command/);
  }, 180_000);
});
