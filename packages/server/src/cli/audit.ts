import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { BundleError, verifyBundle, writeBundle } from "../audit/bundle.js";
import type { AuditProblem } from "../store/index.js";
import { parseFlags } from "./flags.js";
import { STORAGE_FLAGS, storageOf, withExistingStore } from "./storage.js";
import { parseSince, runCommand, UsageError } from "./usage.js";

/**
 * `loopgate audit verify | checkpoint | export | public-key`: the tamper-evident audit log (store/audit/).
 * `verify` exits 0 when every chain and checkpoint holds, 1 (naming the first altered, inserted or
 * deleted row of each broken chain) when not; `--bundle DIR` verifies an export with no database.
 */
export function runAudit(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  return runCommand(`audit ${sub ?? ""}`.trim(), async () => {
    switch (sub) {
      case "verify":
        return verifyCommand(rest);
      case "checkpoint":
        return checkpointCommand(rest);
      case "export":
        return exportCommand(rest);
      case "public-key":
        return publicKeyCommand(rest);
      default:
        throw new UsageError("expected verify, checkpoint, export or public-key");
    }
  });
}

async function verifyCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    ...STORAGE_FLAGS,
    bundle: { type: "string" },
    "public-key": { type: "string" },
  });
  const keyFile = values["public-key"] as string | undefined;
  const publicKeyPem = keyFile === undefined ? undefined : readKey(keyFile);
  const bundle = values.bundle as string | undefined;
  let report: { chains: number; rows: number; checkpoints: number; keyId: string; problems: AuditProblem[] };
  if (bundle !== undefined) {
    try {
      report = await verifyBundle(resolve(bundle), { publicKeyPem });
    } catch (err) {
      if (err instanceof BundleError) throw new UsageError(err.message);
      throw err;
    }
  } else {
    report = await withExistingStore(storageOf(values), (store) => store.audit.verify({ publicKeyPem }));
  }
  const walked = `${report.chains} chains, ${report.rows} rows, ${report.checkpoints} checkpoints, key ${report.keyId}`;
  if (report.problems.length === 0) {
    console.log(`audit log verified: ${walked}`);
    if (!keyFile)
      console.log("(checked with the key stored beside the log; pin your own copy with --public-key)");
    return 0;
  }
  for (const p of report.problems) {
    console.log(`${p.kind}: ${p.chain}${p.row ? `: ${p.row}` : ""}: ${p.message}`);
  }
  console.error(`audit log NOT verified: ${report.problems.length} problem(s) in ${walked}`);
  return 1;
}

async function checkpointCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, STORAGE_FLAGS);
  const written = await withExistingStore(storageOf(values), (store) => store.audit.checkpoint());
  if (!written) {
    console.error("another process wrote the same checkpoint at this moment; run again for a new one");
    return 1;
  }
  console.log(`checkpoint ${written.number}: ${written.chains} chain heads signed by key ${written.key_id}`);
  return 0;
}

async function exportCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    ...STORAGE_FLAGS,
    since: { type: "string" },
    out: { type: "string" },
  });
  const now = Date.now();
  if (values.since === undefined) throw new UsageError("--since is required (30d, 24h, or an ISO date)");
  if (values.out === undefined) throw new UsageError("--out DIR is required");
  const since = parseSince(values.since as string, now);
  const dir = resolve(values.out as string);
  const manifest = await withExistingStore(storageOf(values), (store) =>
    writeBundle(store, dir, { since, now }),
  );
  console.log(
    `audit bundle in ${dir}: ${manifest.chains} chains, ${manifest.rows} rows, ${manifest.checkpoints} checkpoints since ${manifest.since} (key ${manifest.keyId})`,
  );
  return 0;
}

async function publicKeyCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { ...STORAGE_FLAGS, out: { type: "string" } });
  const pem = await withExistingStore(storageOf(values), (store) => store.audit.publicKey());
  if (values.out === undefined) process.stdout.write(pem);
  else writeFileSync(resolve(values.out as string), pem);
  return 0;
}

function readKey(file: string): string {
  try {
    return readFileSync(resolve(file), "utf8");
  } catch (err) {
    throw new UsageError(`cannot read --public-key ${file}: ${(err as Error).message}`);
  }
}
