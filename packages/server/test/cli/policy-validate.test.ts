import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { EXAMPLE_POLICY_DIR } from "../../src/policy-files.js";

function captureConsole() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
  return { out, err };
}

describe("loopgate policy validate", () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("exits 0 and lists the shipped example workflows", async () => {
    const { out } = captureConsole();
    expect(await main(["policy", "validate", EXAMPLE_POLICY_DIR])).toBe(0);
    expect(out.join("\n")).toMatch(/valid: 6 workflows/);
    const shipped = [
      "invoice.approve",
      "support.reply",
      "outreach.send",
      "hiring.screen",
      "ticket.triage",
      "reply.ranking",
    ];
    for (const w of shipped) {
      expect(out.join("\n")).toContain(w);
    }
  });

  it("exits 1 naming the file, the line and the field of each problem", async () => {
    const dir = mkdtempSync(join(tmpdir(), "loopgate-policy-"));
    dirs.push(dir);
    writeFileSync(
      join(dir, "broken.yaml"),
      [
        "workflow: broken.one",
        "pattern: review_and_approve",
        "reasons: [other]",
        "risk:",
        "  classes:",
        "    high: { autoMinConfidence: 1.7 }",
        "actions:",
        "  send: { boundary: sometimes }",
        "",
      ].join("\n"),
    );
    const { err } = captureConsole();
    expect(await main(["policy", "validate", dir])).toBe(1);
    const text = err.join("\n");
    expect(text).toMatch(/broken\.yaml:6:\d+ risk\.classes\.high\.autoMinConfidence/);
    expect(text).toMatch(/broken\.yaml:8:\d+ actions\.send\.boundary/);
    expect(text).toMatch(/broken\.yaml:1:\d+ owner/);
  });

  it("exits 1 with a clear message for a directory that does not exist", async () => {
    const { err } = captureConsole();
    expect(await main(["policy", "validate", "/nonexistent/policies"])).toBe(1);
    expect(err.join("\n")).toMatch(/does not exist/);
  });
});
