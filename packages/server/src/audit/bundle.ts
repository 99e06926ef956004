import { once } from "node:events";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import {
  type AuditProblem,
  ChainVerifier,
  type Checkpoint,
  type CheckpointHead,
  keyIdOf,
  type Store,
  type StoredChain,
  verifyCheckpoints,
} from "../store/index.js";

/**
 * The offline audit bundle (`loopgate audit export`): what an auditor needs to check the log without the
 * database. Every file is plain JSON:
 *
 * - `chains.ndjson`: one chain per line (the case row's covered columns, its recorded head, its events,
 *   decisions and outcomes with their links), for every case whose chain grew at or after `since`;
 * - `checkpoints.ndjson` and `checkpoint-heads.ndjson`: the signed checkpoints written since then and
 *   the heads each lists;
 * - `public-key.pem`: the Ed25519 key the checkpoints verify with (an auditor should pin their own copy);
 * - `manifest.json`: what was exported, and when.
 *
 * Nothing in the bundle is trusted by itself: rows verify against their chains, chains against the
 * signed checkpoints, and a chain a checkpoint signed since `since` must be there. The export writes a
 * checkpoint first, so every chain in the bundle is signed as exported.
 */

export const BUNDLE_FORMAT = "loopgate-audit-bundle/1";

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  /** ISO time: chains that grew at or after it, checkpoints written at or after it. */
  since: string;
  createdAt: string;
  keyId: string;
  chains: number;
  rows: number;
  checkpoints: number;
}

const FILES = {
  chains: "chains.ndjson",
  checkpoints: "checkpoints.ndjson",
  heads: "checkpoint-heads.ndjson",
  publicKey: "public-key.pem",
  manifest: "manifest.json",
} as const;

export async function writeBundle(
  store: Store,
  dir: string,
  opts: { since: number; now: number },
): Promise<BundleManifest> {
  mkdirSync(dir, { recursive: true });
  await store.audit.checkpoint();
  const publicKey = await store.audit.publicKey();
  const all = await store.audit.checkpoints();
  const checkpoints = all.checkpoints.filter((c) => c.created_at >= opts.since);
  const numbers = new Set(checkpoints.map((c) => c.number));
  const heads = all.heads.filter((h) => numbers.has(h.checkpoint));
  writeFileSync(join(dir, FILES.checkpoints), lines(checkpoints));
  writeFileSync(join(dir, FILES.heads), lines(heads));
  writeFileSync(join(dir, FILES.publicKey), publicKey);

  const out = createWriteStream(join(dir, FILES.chains));
  const failed = new Promise<never>((_, reject) => out.once("error", reject));
  let chains = 0;
  let rows = 0;
  for await (const chain of store.audit.chains({ since: opts.since })) {
    chains++;
    rows += chain.rows.length;
    if (!out.write(`${JSON.stringify(chain)}\n`)) await Promise.race([once(out, "drain"), failed]);
  }
  out.end();
  await Promise.race([once(out, "finish"), failed]);

  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    since: new Date(opts.since).toISOString(),
    createdAt: new Date(opts.now).toISOString(),
    keyId: keyIdOf(publicKey),
    chains,
    rows,
    checkpoints: checkpoints.length,
  };
  writeFileSync(join(dir, FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export interface BundleReport {
  chains: number;
  rows: number;
  checkpoints: number;
  keyId: string;
  problems: AuditProblem[];
}

/** Verifies a bundle with no database: `publicKeyPem` pinned by the auditor, else the bundle's own. */
export async function verifyBundle(dir: string, opts: { publicKeyPem?: string } = {}): Promise<BundleReport> {
  for (const name of Object.values(FILES)) {
    if (!existsSync(join(dir, name)))
      throw new BundleError(`${join(dir, name)} is missing: not an audit bundle`);
  }
  const manifest = JSON.parse(readFileSync(join(dir, FILES.manifest), "utf8")) as BundleManifest;
  if (manifest.format !== BUNDLE_FORMAT) throw new BundleError(`unknown bundle format "${manifest.format}"`);
  const since = Date.parse(manifest.since);
  const publicKeyPem = opts.publicKeyPem ?? readFileSync(join(dir, FILES.publicKey), "utf8");
  const checkpoints = await readLines<Checkpoint>(join(dir, FILES.checkpoints));
  const heads = await readLines<CheckpointHead>(join(dir, FILES.heads));
  const problems = verifyCheckpoints(checkpoints, heads, publicKeyPem);
  const verifier = new ChainVerifier(heads);
  for await (const chain of eachLine<StoredChain>(join(dir, FILES.chains))) {
    if (!Array.isArray(chain?.rows) || typeof chain.id !== "string") {
      throw new BundleError(`${FILES.chains} holds a line that is not a chain: the bundle was damaged`);
    }
    verifier.check(chain);
  }
  problems.push(...verifier.finish(since));
  return {
    chains: verifier.chains,
    rows: verifier.rows,
    checkpoints: checkpoints.length,
    keyId: keyIdOf(publicKeyPem),
    problems,
  };
}

/** A bundle that cannot be read as one (the CLI prints it as a usage error). */
export class BundleError extends Error {}

function lines(items: readonly unknown[]): string {
  return items.map((i) => `${JSON.stringify(i)}\n`).join("");
}

async function readLines<T>(file: string): Promise<T[]> {
  const out: T[] = [];
  for await (const item of eachLine<T>(file)) out.push(item);
  return out;
}

/** The file's JSON lines one at a time: a bundle's chains need not fit in memory. */
async function* eachLine<T>(file: string): AsyncGenerator<T> {
  let n = 0;
  for await (const line of createInterface({
    input: createReadStream(file),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    n++;
    if (line.trim() === "") continue;
    let item: T;
    try {
      item = JSON.parse(line) as T;
    } catch {
      throw new BundleError(`${file}:${n} is not JSON: the bundle was damaged`);
    }
    yield item;
  }
}
