// What a run prints and keeps: the machine it ran on, one table (Markdown, so it pastes into
// docs/performance.md as it is), the notes behind each row, and the comparison with bench/baseline.json.
//
// A row, as every suite returns it:
//   { id, measure, against, value, unit, better: "higher" | "lower", detail?, baseline: { value,
//     detail? } | null, ratio, targets: [{ text, met }], note?, missing?, errors? }
// `id` is stable across runs: it keys the row in baseline.json.
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import BetterSqlite3 from "better-sqlite3";
import { config } from "./config.js";
import { pgQuery } from "./scratch.js";

/** The run's settings as results and baseline.json keep them: no password from BENCH_PG. */
export function settings() {
  const url = new URL(config.pgUrl);
  url.password = "";
  const { saveBaseline, ...kept } = config;
  return { ...kept, pgUrl: url.toString() };
}

export async function machine() {
  const cpus = os.cpus();
  let postgres = "not reachable";
  try {
    postgres = (await pgQuery("SHOW server_version")).rows[0].server_version;
  } catch (err) {
    postgres = `not reachable (${err.message})`;
  }
  const mem = new BetterSqlite3(":memory:");
  const sqlite = mem.prepare("SELECT sqlite_version() AS v").get().v;
  mem.close();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    ramGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    postgres,
    sqlite,
    os: `${os.type()} ${os.release()}`,
    // Other work on the machine moves every figure; the load when the run started says how much.
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

export function machineLine(m) {
  return (
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGb} GB RAM, ${m.os}; Node ${m.node}, PostgreSQL ` +
    `${m.postgres}, SQLite ${m.sqlite}; load average at start ${m.loadAverage.join(" / ")}`
  );
}

const number = (v, unit) => {
  if (v === null || v === undefined || Number.isNaN(v)) return "n/a";
  const digits = unit === "ms" ? (v < 100 ? 1 : 0) : v >= 100 ? 0 : 1;
  return v.toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits });
};

/** The kept figures of this run's mode (quick and full runs are not comparable), or undefined. */
export function readBaseline(file, mode) {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8"))[mode];
}

const round = (x) => (x === null || x === undefined ? null : Number(x.toPrecision(4)));

/**
 * The text of baseline.json with this mode's rows replaced by those `results` measured (rows it did
 * not measure, with --only, are kept; each row says when it was measured). Lists are written as
 * strings: Biome would fold a short JSON array onto one line, and the file must pass `npm run lint` as
 * written.
 */
export function baselineText(file, mode, results) {
  const all = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  const rows = { ...all[mode]?.rows };
  for (const r of results.rows) {
    if (r.value !== null && !r.failed) {
      rows[r.id] = {
        savedAt: results.finishedAt,
        value: round(r.value),
        unit: r.unit,
        baseline: round(r.baseline?.value ?? null),
        ratio: round(r.ratio),
      };
    }
  }
  all[mode] = {
    savedAt: results.finishedAt,
    machine: results.machine,
    loadAverageAtEnd: results.loadAverageAtEnd,
    config: results.config,
    rows,
  };
  return `${JSON.stringify(all, (_, v) => (Array.isArray(v) ? v.join(", ") : v), 2)}\n`;
}

function change(row, kept) {
  const prev = kept?.rows?.[row.id];
  if (!prev || row.value === null || !prev.value) return "—";
  const delta = (row.value - prev.value) / prev.value;
  const pct = `${delta >= 0 ? "+" : ""}${(delta * 100).toFixed(0)}%`;
  if (Math.abs(delta) < 0.005) return pct;
  const better = row.better === "higher" ? delta > 0 : delta < 0;
  return `${pct} (${better ? "better" : "worse"})`;
}

function cells(row, kept) {
  const value = row.failed
    ? `FAILED: ${row.failed}`
    : row.value === null
      ? (row.missing ?? "n/a")
      : `${number(row.value, row.unit)} ${row.unit}${row.detail ? `, ${row.detail}` : ""}`;
  const base =
    row.baseline && row.baseline.value !== null
      ? `${number(row.baseline.value, row.unit)} ${row.unit}: ${row.against}`
      : "—";
  const ratio = row.ratio === null || row.ratio === undefined ? "—" : row.ratio.toFixed(2);
  const targets =
    row.targets.length === 0
      ? "—"
      : row.targets.map((t) => `${t.text} ${row.value === null ? "?" : t.met ? "✓" : "✗"}`).join(", ");
  return [row.measure, value, base, ratio, targets, change(row, kept)];
}

/**
 * The one table of a run: Markdown, its columns padded as Biome formats a Markdown table, so it reads
 * as well in a terminal and pastes into docs/performance.md unchanged.
 */
export function table(rows, kept) {
  const head = ["Measure", "Loopgate", "Same-run baseline", "Ratio", "Target", "vs baseline.json"];
  const body = rows.map((r) => cells(r, kept));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cols) => `| ${cols.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

/** Settings that change what a figure means: a kept run made with others is not quite comparable. */
const COMPARABLE = [
  "seconds",
  "rounds",
  "connections",
  "reviewers",
  "depth",
  "shallowDepth",
  "events",
  "reps",
];

/** The notes under the table: how each row was measured, and what the kept baseline was. */
export function notes(rows, kept) {
  const out = rows.filter((r) => r.note).map((r) => `- ${r.measure}: ${r.note}`);
  const mode = config.quick ? "quick" : "full";
  if (!kept) {
    out.push(
      `- vs baseline.json: no ${mode} run kept yet (npm run bench --${config.quick ? " --quick" : ""} --save-baseline).`,
    );
    return out.join("\n");
  }
  const differ = COMPARABLE.filter((k) => kept.config?.[k] !== undefined && kept.config[k] !== config[k]);
  out.push(
    `- vs baseline.json: change of the Loopgate figure against the kept ${mode} run of ${kept.savedAt} ` +
      `(${kept.machine.cpu}, ${kept.machine.cores} cores, load average ${kept.machine.loadAverage} at its start)` +
      (differ.length > 0
        ? `; that run had other settings (${differ.map((k) => `${k} ${kept.config[k]}, now ${config[k]}`).join("; ")}), so compare with care.`
        : "."),
  );
  return out.join("\n");
}
