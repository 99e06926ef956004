import { once } from "node:events";
import { createWriteStream, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { VERDICTS, type Verdict } from "@loopgate/core";
import {
  EXPORT_KINDS,
  type ExportKind,
  type ExportManifest,
  type ExportRequest,
  exportBatches,
  KIND_VERDICTS,
  manifestOf,
  ndjson,
  newTally,
} from "../export/dataset.js";
import type { Store } from "../store/index.js";
import { parseFlags } from "./flags.js";
import { withExistingStore } from "./storage.js";
import { parseSince, parseUntil, runCommand, UsageError } from "./usage.js";

/** A progress line on stderr every this many rows. */
const PROGRESS_EVERY = 100_000;

/**
 * Writes one export into `dir` as `<kind>.jsonl`, then `manifest.json` (its counts are only known at the
 * end). The file is written batch by batch, waiting for the disk when the write buffer is full, so memory
 * stays flat however many rows there are. `onProgress` is called each time another PROGRESS_EVERY rows
 * have been written (the CLI prints a line; the benchmark samples memory).
 */
export async function exportToDirectory(
  store: Store,
  req: ExportRequest,
  dir: string,
  opts: { now: number; onProgress?: (rows: number, duplicatesDropped: number) => void },
): Promise<{ file: string; manifestFile: string; manifest: ExportManifest }> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${req.kind}.jsonl`);
  const out = createWriteStream(file);
  const failed = new Promise<never>((_, reject) => out.once("error", reject));
  const tally = newTally();
  let reported = 0;
  try {
    for await (const rows of exportBatches(store, req, tally)) {
      if (!out.write(ndjson(rows))) await Promise.race([once(out, "drain"), failed]);
      while (tally.rows - reported >= PROGRESS_EVERY) {
        reported += PROGRESS_EVERY;
        opts.onProgress?.(reported, tally.duplicatesDropped);
      }
    }
    out.end();
    await Promise.race([once(out, "finish"), failed]);
  } finally {
    out.destroy();
  }
  const manifest = manifestOf(req, tally, opts.now);
  const manifestFile = join(dir, "manifest.json");
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  return { file, manifestFile, manifest };
}

/**
 * `loopgate export --kind corrections|preferences|labels|sft [--workflow W] [--since 30d|ISO] [--until ISO]
 * [--reviewer ID] [--verdict V] [--reason CODE] [--out DIR]`: a dataset read straight from storage (no
 * running server), like `loopgate report`.
 */
export function runExport(args: string[]): Promise<number> {
  return runCommand("export", () => exportCommand(args));
}

async function exportCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    kind: { type: "string" },
    workflow: { type: "string" },
    since: { type: "string" },
    until: { type: "string" },
    reviewer: { type: "string" },
    verdict: { type: "string" },
    reason: { type: "string" },
    out: { type: "string" },
    "data-dir": { type: "string" },
    "database-url": { type: "string" },
  });
  const flag = (k: string) => values[k] as string | undefined;
  const kind = flag("kind") as ExportKind | undefined;
  if (!kind || !EXPORT_KINDS.includes(kind)) {
    throw new UsageError(`--kind must be one of ${EXPORT_KINDS.join(", ")}`);
  }
  const now = Date.now();
  const untilFlag = flag("until");
  const until = untilFlag === undefined ? undefined : parseUntil(untilFlag, now);
  const sinceFlag = flag("since");
  const since = sinceFlag === undefined ? undefined : parseSince(sinceFlag, until ?? now);
  if (since !== undefined && until !== undefined && since >= until) {
    throw new UsageError(
      `--since must be before --until: ${new Date(since).toISOString()} is not before ${new Date(until).toISOString()}`,
    );
  }
  const verdict = flag("verdict");
  if (verdict !== undefined && !KIND_VERDICTS[kind].includes(verdict as Verdict)) {
    const known = VERDICTS.includes(verdict as Verdict) ? "" : " (not a verdict)";
    throw new UsageError(`--verdict must be one of ${KIND_VERDICTS[kind].join(", ")} for ${kind}${known}`);
  }
  const workflow = flag("workflow");
  const req: ExportRequest = {
    kind,
    ...(workflow ? { workflows: [workflow] } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(flag("reviewer") ? { reviewer: flag("reviewer") as string } : {}),
    ...(verdict ? { verdict: verdict as Verdict } : {}),
    ...(flag("reason") ? { reason: flag("reason") as string } : {}),
  };

  const { file, manifestFile, manifest } = await withExistingStore(
    { dataDir: flag("data-dir"), databaseUrl: flag("database-url") },
    (store) =>
      exportToDirectory(store, req, resolve(flag("out") ?? "."), {
        now,
        onProgress: (rows, dropped) => console.error(`exported ${rows} rows (${dropped} duplicates dropped)`),
      }),
  );
  const c = manifest.counts;
  console.log(file);
  console.log(manifestFile);
  console.log(`${c.rows} ${kind} rows from ${c.cases} cases, ${c.duplicatesDropped} duplicates dropped`);
  return 0;
}
