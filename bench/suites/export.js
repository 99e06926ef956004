// The export row: bench/export.js (the CLI's export code path over a SQLite store of decided cases) in
// a child process of its own with --expose-gc, so its heap figures are the export's alone.
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { config } from "../lib/config.js";
import { ROOT } from "../lib/processes.js";

const fmt = (n) => n.toLocaleString("en");

export async function exportRow(log) {
  const out = join(tmpdir(), `loopgate-bench-export-${process.pid}.json`);
  log(`export: ${fmt(config.exportRows)} corrections through bench/export.js`);
  const child = spawn(process.execPath, ["--expose-gc", `${ROOT}/bench/export.js`], {
    env: { ...process.env, BENCH_ROWS: String(config.exportRows), BENCH_JSON: out },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const code = await new Promise((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`bench/export.js exited with ${code}`);
  const r = JSON.parse(readFileSync(out, "utf8"));
  rmSync(out);
  return {
    id: "export.sqlite",
    measure: `Export, SQLite, ${fmt(r.rows)} corrections`,
    against: null,
    value: r.rowsPerSecond,
    unit: "rows/s",
    better: "higher",
    detail: `live heap +${r.liveHeapGrowthMb?.toFixed(1)} MB`,
    baseline: null,
    ratio: null,
    targets: [],
    note:
      `loopgate export's code path (exportToDirectory), ${fmt(r.duplicatesDropped)} duplicates dropped, ` +
      `${r.seconds.toFixed(1)} s; RSS ${r.startRssMb.toFixed(0)} → peak ${r.peakRssMb.toFixed(0)} MB; ` +
      "live heap growth is the peak after a collection over the start: flat means the export streams",
  };
}
