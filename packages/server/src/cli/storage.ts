import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Workflow } from "@loopgate/core";
import { defaultPolicyDir, loadPolicyDir } from "../policy-files.js";
import { DEFAULTS } from "../server.js";
import { openStore, type Store } from "../store/index.js";
import { UsageError } from "./usage.js";

/**
 * What the commands that read history (report, thresholds, export, simulate) do before their own work:
 * find the workflow in the policies and open the store that already holds the history.
 */

/** The workflow `name` of the policies in `--policy-dir` (default: the server's), or a usage error. */
export function workflowFromFlags(name: string, policyDirFlag: string | undefined): Workflow {
  const policyDir = policyDirFlag ? resolve(policyDirFlag) : defaultPolicyDir();
  let workflows: Map<string, Workflow>;
  try {
    workflows = loadPolicyDir(policyDir).workflows;
  } catch (err) {
    throw new UsageError(`cannot load the policies in ${policyDir}: ${(err as Error).message}`);
  }
  const workflow = workflows.get(name);
  if (!workflow) {
    const known = [...workflows.keys()].sort().join(", ");
    throw new UsageError(`unknown workflow "${name}" in ${policyDir}; known workflows: ${known}`);
  }
  return workflow;
}

/** The flags that name the storage a command works on, for parseFlags. */
export const STORAGE_FLAGS = {
  "data-dir": { type: "string" },
  "database-url": { type: "string" },
} as const;

/** The storage named by STORAGE_FLAGS' parsed values, as withExistingStore takes it. */
export function storageOf(values: Record<string, unknown>): { dataDir?: string; databaseUrl?: string } {
  return {
    dataDir: values["data-dir"] as string | undefined,
    databaseUrl: values["database-url"] as string | undefined,
  };
}

/**
 * Runs `read` on the store of `--database-url` or `--data-dir` (then the environment, then the default),
 * migrated, and closes it. A data directory without a database is refused rather than created: every
 * figure read from a fresh empty one would be zero, which looks like an answer.
 */
export async function withExistingStore<T>(
  flags: { dataDir?: string; databaseUrl?: string },
  read: (store: Store) => Promise<T>,
): Promise<T> {
  const databaseUrl = flags.databaseUrl ?? process.env.LOOPGATE_DATABASE_URL;
  const dataDir = flags.dataDir ?? process.env.LOOPGATE_DATA_DIR ?? DEFAULTS.dataDir;
  if (!databaseUrl && !existsSync(join(dataDir, "loopgate.db"))) {
    throw new UsageError(`no Loopgate database in ${resolve(dataDir)} (give --data-dir or --database-url)`);
  }
  const store = await openStore({ dataDir, databaseUrl });
  try {
    await store.migrate();
    return await read(store);
  } finally {
    await store.close();
  }
}
