import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { payment, startTestServer } from "../helpers/server.js";

/**
 * At rest (issue 13, item 8): the SQLite data directory and files are the server user's alone (they
 * hold webhook signing secrets and the CSRF key), and `loopgate backup` takes a consistent copy while
 * the server writes, which restores into a working server.
 */
const mode = (path: string) => statSync(path).mode & 0o777;

describe("data at rest (sqlite)", () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), "loopgate-rest-"));
    dirs.push(d);
    return d;
  };

  it("creates the data directory 0700 and the database, WAL and SHM files 0600, whatever the umask", async () => {
    const dataDir = join(tempDir(), "data");
    const previous = process.umask(0o022);
    try {
      const s = await startTestServer("sqlite", {}, { engine: "sqlite", dataDir, cleanup: async () => {} });
      try {
        expect((await s.call("POST", "/v1/cases", payment())).status).toBe(201);
        expect(mode(dataDir)).toBe(0o700);
        for (const f of ["loopgate.db", "loopgate.db-wal", "loopgate.db-shm"]) {
          expect(existsSync(join(dataDir, f))).toBe(true);
          expect(mode(join(dataDir, f)).toString(8)).toBe("600");
        }
      } finally {
        await s.close();
      }
    } finally {
      process.umask(previous);
    }
  });

  it("backs up while the server writes; the copy opens, holds every acknowledged case, and restores", async () => {
    const dataDir = join(tempDir(), "data");
    const s = await startTestServer("sqlite", {}, { engine: "sqlite", dataDir, cleanup: async () => {} });
    const acknowledged: string[] = [];
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const res = await s.call("POST", "/v1/cases", payment({ confidence: 0.1 }));
        if (res.status === 201) acknowledged.push((await res.json()).id);
      }
    })();
    const out = join(tempDir(), "backup.db");
    try {
      while (acknowledged.length < 20) await new Promise((r) => setTimeout(r, 10));
      const before = acknowledged.length;
      const log: string[] = [];
      vi.spyOn(console, "log").mockImplementation((...a) => void log.push(a.join(" ")));
      expect(await main(["backup", "--out", out, "--data-dir", dataDir])).toBe(0);
      writing = false;
      await writer;
      expect(log.join("\n")).toContain("backed up");
      expect(mode(out)).toBe(0o600);

      const copy = new BetterSqlite3(out, { readonly: true });
      try {
        expect(copy.pragma("integrity_check", { simple: true })).toBe("ok");
        const { n } = copy.prepare("SELECT count(*) AS n FROM cases").get() as { n: number };
        expect(n).toBeGreaterThanOrEqual(before);
        expect(n).toBeLessThanOrEqual(acknowledged.length);
        const ids = new Set(
          (copy.prepare("SELECT id FROM cases").all() as { id: string }[]).map((r) => r.id),
        );
        for (const id of acknowledged.slice(0, before)) expect(ids.has(id)).toBe(true);
      } finally {
        copy.close();
      }
    } finally {
      writing = false;
      await writer;
      await s.close();
    }

    // Restore: the copy as loopgate.db of a new data directory, then a server on it.
    const restored = join(tempDir(), "restored");
    mkdirSync(restored, { mode: 0o700 });
    copyFileSync(out, join(restored, "loopgate.db"));
    const r = await startTestServer(
      "sqlite",
      {},
      { engine: "sqlite", dataDir: restored, cleanup: async () => {} },
    );
    try {
      const first = acknowledged[0] as string;
      const res = await r.call("GET", `/v1/cases/${first}`);
      expect(res.status).toBe(200);
      expect((await res.json()).id).toBe(first);
    } finally {
      await r.close();
    }
  });

  it("refuses to back up PostgreSQL, pointing to pg_dump, and refuses to overwrite a file", async () => {
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...a) => void errors.push(a.join(" ")));
    const code = await main([
      "backup",
      "--out",
      join(tempDir(), "x.db"),
      "--database-url",
      "postgres://x@127.0.0.1/y",
    ]);
    expect(code).toBe(1);
    expect(errors.join("\n")).toContain("pg_dump");
    const dataDir = tempDir();
    const existing = join(dataDir, "taken.db");
    writeFileSync(existing, "keep me");
    expect(await main(["backup", "--out", existing, "--data-dir", dataDir])).toBe(1);
    expect(errors.join("\n")).toMatch(/exists/);
  });
});
