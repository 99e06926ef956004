import { existsSync } from "node:fs";
import { join } from "node:path";
import { PolicyError, type PolicySet } from "@loopgate/core";
import { ownersWithoutAccount, ownerWarning } from "../owners.js";
import { defaultPolicyDir, loadPolicyDir } from "../policy-files.js";
import { DEFAULTS } from "../server.js";
import { openStore } from "../store/index.js";
import { parseFlags } from "./flags.js";

/**
 * `loopgate policy validate [DIR] [--data-dir D | --database-url U]`: exit 0 when every workflow is
 * valid, 1 with located errors. With a database at hand it also warns (exit code unchanged) about
 * owners that match no user account, as the server does at start-up.
 */
export async function runPolicyValidate(args: string[]): Promise<number> {
  let dir: string;
  let flags: { dataDir?: string; databaseUrl?: string };
  try {
    const { values, positionals } = parseFlags(args, {
      "data-dir": { type: "string" },
      "database-url": { type: "string" },
    });
    dir = positionals[0] ?? defaultPolicyDir();
    flags = {
      dataDir: values["data-dir"] as string | undefined,
      databaseUrl: values["database-url"] as string | undefined,
    };
  } catch (err) {
    console.error(`loopgate policy validate: ${(err as Error).message}`);
    return 1;
  }
  let set: PolicySet;
  try {
    set = loadPolicyDir(dir);
  } catch (err) {
    if (err instanceof PolicyError) {
      console.error(err.message);
      console.error(`${err.issues.length} problem${err.issues.length === 1 ? "" : "s"} in ${dir}`);
      return 1;
    }
    console.error(err instanceof Error ? err.message : String(err));
    return 1;
  }
  const names = [...set.workflows.values()].map((w) => `${w.workflow} (${w.source.file}, owner ${w.owner})`);
  console.log(`valid: ${names.length} workflow${names.length === 1 ? "" : "s"}\n  ${names.join("\n  ")}`);
  await warnAboutOwners(set, flags);
  return 0;
}

/**
 * Owners are user accounts (owners.ts), so they can only be checked against a database: the one of
 * the flags, the environment, or the default data directory when it holds one. Never created here.
 */
async function warnAboutOwners(
  set: PolicySet,
  flags: { dataDir?: string; databaseUrl?: string },
): Promise<void> {
  const databaseUrl = flags.databaseUrl ?? process.env.LOOPGATE_DATABASE_URL;
  const dataDir = flags.dataDir ?? process.env.LOOPGATE_DATA_DIR ?? DEFAULTS.dataDir;
  if (!databaseUrl && !existsSync(join(dataDir, "loopgate.db"))) {
    console.error(
      "note: owners not checked against user accounts (no database; give --data-dir or --database-url)",
    );
    return;
  }
  try {
    const store = await openStore({ dataDir, databaseUrl });
    try {
      for (const wf of await ownersWithoutAccount(store, set.workflows.values())) {
        console.error(`warning: ${ownerWarning(wf)}`);
      }
    } finally {
      await store.close();
    }
  } catch (err) {
    console.error(`note: owners not checked against user accounts: ${(err as Error).message}`);
  }
}
