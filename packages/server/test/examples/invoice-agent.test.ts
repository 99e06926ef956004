import { execFile, execFileSync, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";

/**
 * examples/invoice-agent/agent.mjs as a user runs it (a child process, the built @loopgate/ai-sdk)
 * against a real server with the shipped examples/policies, on SQLite. The server's clock is the test's,
 * so invoice.approve's 60 s undo window and 5 s minimum review time pass without sleeping; a stand-in
 * reviewer decides through the API. This file builds the adapter first (incremental: about a second
 * when dist is up to date).
 */
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const AGENT = join(ROOT, "examples/invoice-agent/agent.mjs");
const run = promisify(execFile);

interface LedgerEntry {
  op: string;
  invoiceNumber?: string;
  supplier: string;
  amount?: number;
}

describe("examples/invoice-agent", () => {
  let s: TestServer;
  let dir: string;
  let agentKey: string;
  let reviewer: string;
  let now = Date.now();

  beforeAll(async () => {
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    execFileSync(process.execPath, [tsc, "-b", "packages/ai-sdk"], { cwd: ROOT, encoding: "utf8" });
    s = await startTestServer("sqlite", {
      policyDir: join(ROOT, "examples/policies"),
      clock: () => now,
      // Timers fire when the test calls timers.runOnce() after moving the clock.
      timers: { pollMs: 3_600_000 },
    });
    dir = mkdtempSync(join(tmpdir(), "loopgate-invoice-agent-"));
    agentKey = (await s.newKey("automation", ["invoice.approve"])).key;
    const res = await s.call("POST", "/v1/keys", {
      name: "ap-manager",
      role: "reviewer",
      authorityRoles: ["ap_manager"],
    });
    reviewer = (await res.json()).key;
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await s?.storage.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the agent to its end; resolves to what it printed. */
  const agent = async (...args: string[]) => agentIn(dir, {}, ...args);
  const agentIn = async (stateDir: string, env: Record<string, string>, ...args: string[]) => {
    const { stdout } = await run(process.execPath, [AGENT, "--state", stateDir, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", LOOPGATE_URL: s.url, LOOPGATE_KEY: agentKey, ...env },
      timeout: 60_000,
    });
    return stdout;
  };
  /** Starts the agent and resolves once it prints `marker`; `done` resolves to all it printed. */
  const startAgent = (marker: string, ...args: string[]) => {
    const child = spawn(process.execPath, [AGENT, "--state", dir, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", LOOPGATE_URL: s.url, LOOPGATE_KEY: agentKey },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    let reached: () => void;
    const atMarker = new Promise<void>((resolve) => {
      reached = resolve;
    });
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(marker)) reached();
    });
    const done = new Promise<string>((resolve, reject) => {
      child.on("error", reject);
      child.on("exit", (code) =>
        code === 0 ? resolve(out) : reject(new Error(`agent exited ${code}:\n${out}`)),
      );
    });
    return { atMarker: Promise.race([atMarker, done.then(() => undefined)]), done };
  };
  const ledger = (): LedgerEntry[] => {
    const path = join(dir, "bank-ledger.jsonl");
    if (!existsSync(path)) return [];
    return readFileSync(path, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LedgerEntry);
  };
  /** What the bank paid, by invoice (the agent settles the decided invoices concurrently). */
  const paid = () =>
    ledger()
      .filter((e) => e.op === "pay")
      .map((e) => [e.invoiceNumber, e.amount])
      .sort(([a], [b]) => String(a).localeCompare(String(b)));
  const caseCount = () => {
    const db = new Database(join(s.storage.dataDir, "loopgate.db"), { readonly: true });
    try {
      return (db.prepare("SELECT count(*) AS n FROM cases").get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  /** Moves the server's clock past the workflow's undo window and releases what it held. */
  const pastUndoWindow = async () => {
    now += 61_000;
    await s.timers.runOnce();
  };

  it("pays what the policy approves, leaves the rest waiting, and opens one case per invoice", async () => {
    const out = await agent("--no-wait", "--fetch-decision-key");
    expect(out).toContain("Pinned");
    expect(out.match(/approved by the policy/g)?.length).toBeGreaterThanOrEqual(2);
    for (const n of ["CL-2026-311", "EIT-5520", "INV-2057", "NWC-0912", "DOS-4410"]) {
      expect(out).toMatch(new RegExp(`${n} .* at ${s.url}/cases/case_`));
    }
    expect(caseCount()).toBe(7);
    // Approved by the policy, but inside invoice.approve's undo window: nothing is paid yet.
    expect(paid()).toEqual([]);

    await pastUndoWindow();
    const again = await agent("--no-wait");
    expect(again).toMatch(/INV-2041 .* paid 640\.00 EUR/);
    expect(again).toMatch(/BPC-88123 .* paid 2,380\.00 EUR/);
    expect(again).toMatch(/5 waiting/);
    expect(paid()).toEqual([
      ["BPC-88123", 2380],
      ["INV-2041", 640],
    ]);
    expect(caseCount()).toBe(7);
  });

  it("acts on each person's decision with the decided arguments, and never on a rejection", async () => {
    const decisions: Record<string, Record<string, unknown>> = {
      "CL-2026-311": {
        verdict: "edit",
        reasonCode: "amount_mismatch",
        note: "the fuel surcharge is not in the contract",
      },
      "EIT-5520": { verdict: "approve" },
      "INV-2057": { verdict: "approve" },
      "DOS-4410": {
        verdict: "done",
        output: { blocked: true, ticket: "AP-311" },
        note: "called Delta on the number on file: they never changed banks",
      },
      "NWC-0912": { verdict: "reject", reasonCode: "po_missing", note: "catering needs a PO" },
    };
    // The agent (no --no-wait) resumes the five cases and waits for people.
    const agentRun = startAgent("Waiting for the decisions", "--timeout", "50");
    await agentRun.atMarker;
    const claimed: Array<{ id: string; invoice: string; proposal: Record<string, unknown> }> = [];
    for (;;) {
      const res = await s.call("POST", "/v1/queue/claim", { workflows: ["invoice.approve"] }, reviewer);
      if (res.status === 204) break;
      const { case: c } = await res.json();
      claimed.push({ id: c.id, invoice: c.input.invoiceNumber, proposal: c.proposal });
    }
    expect(claimed.map((c) => c.invoice).sort()).toEqual(Object.keys(decisions).sort());
    now += 6_000; // review.minReviewSeconds
    for (const c of claimed) {
      const decision = decisions[c.invoice] ?? {};
      const body =
        c.invoice === "CL-2026-311" ? { ...decision, output: { ...c.proposal, amount: 7600 } } : decision;
      const res = await s.call("POST", `/v1/cases/${c.id}/decisions`, body, reviewer);
      expect(res.status).toBe(201);
    }
    // Decided, but inside the undo window: the agent still waits, and nothing more is paid.
    expect(paid()).toHaveLength(2);
    await pastUndoWindow();
    const out = await agentRun.done;
    expect(out).toMatch(/CL-2026-311 .* paid 7,600\.00 EUR .*changed it from 7,980\.00 EUR/);
    expect(out).toMatch(/EIT-5520 .* paid 15,400\.00 EUR/);
    expect(out).toMatch(/INV-2057 .* on hold/);
    expect(out).toMatch(/NWC-0912 .* rejected: reject, po_missing, "catering needs a PO"; retry: false/);
    expect(out).toMatch(/DOS-4410 .* not run \(a person's to do\): done/);
    expect(paid()).toEqual([
      ["BPC-88123", 2380],
      ["CL-2026-311", 7600],
      ["EIT-5520", 15400],
      ["INV-2041", 640],
    ]);
    const ops = ledger().map((e) => [e.op, e.invoiceNumber ?? e.supplier]);
    expect(ops).toContainEqual(["hold", "INV-2057"]);
    // The human_only block is the person's to do: the agent's tool never ran it.
    expect(ops.filter(([op]) => op === "block")).toEqual([]);
    expect(caseCount()).toBe(7);
  });

  it("a re-run opens no new case and pays nothing twice", async () => {
    const before = ledger();
    const out = await agent("--no-wait");
    expect(out.match(/settled on an earlier run/g)).toHaveLength(7);
    expect(ledger()).toEqual(before);
    expect(caseCount()).toBe(7);
  });

  it("runs nothing on a decision its pinned key does not verify, and still opens no new case", async () => {
    // An agent that lost its memory, pinned to a key that is not this server's.
    const other = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }).toString();
    const fresh = mkdtempSync(join(tmpdir(), "loopgate-invoice-agent-other-key-"));
    try {
      const out = await agentIn(fresh, { LOOPGATE_DECISION_KEY: other }, "--no-wait");
      expect(out.match(/refused: the decision for case .* is not signed by Loopgate/g)?.length).toBe(7);
      expect(existsSync(join(fresh, "bank-ledger.jsonl"))).toBe(false);
      expect(caseCount()).toBe(7);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
