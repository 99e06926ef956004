import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { DEFAULTS } from "../server.js";
import { backupSqlite } from "../store/index.js";
import { parseFlags } from "./flags.js";
import { runCommand, UsageError } from "./usage.js";

/**
 * `loopgate backup --out FILE`: a consistent copy of the SQLite database, taken while the server runs
 * (SQLite's online backup API). PostgreSQL has its own tool for this, which knows its schemas, roles
 * and versions better than we could: the command refuses and says so.
 */
export function runBackup(args: string[]): Promise<number> {
  return runCommand("backup", async () => {
    const { values } = parseFlags(args, {
      out: { type: "string" },
      "data-dir": { type: "string" },
      "database-url": { type: "string" },
    });
    const databaseUrl = (values["database-url"] as string | undefined) ?? process.env.LOOPGATE_DATABASE_URL;
    if (databaseUrl) {
      throw new UsageError(
        "PostgreSQL is backed up with pg_dump, not by Loopgate: pg_dump --format=custom --file=loopgate.dump " +
          '"$LOOPGATE_DATABASE_URL" (restore with pg_restore; README, "Backup and restore")',
      );
    }
    const out = values.out as string | undefined;
    if (!out) throw new UsageError("usage: loopgate backup --out FILE [--data-dir DIR]");
    if (existsSync(out)) throw new UsageError(`${out} exists; choose a new file`);
    const dataDir =
      (values["data-dir"] as string | undefined) ?? process.env.LOOPGATE_DATA_DIR ?? DEFAULTS.dataDir;
    if (!existsSync(resolve(dataDir, "loopgate.db"))) {
      throw new UsageError(`no Loopgate database in ${resolve(dataDir)} (give --data-dir)`);
    }
    const { pages } = await backupSqlite(dataDir, out);
    console.log(
      `backed up ${resolve(dataDir, "loopgate.db")} to ${resolve(out)} (${pages} pages, mode 0600)`,
    );
    return 0;
  });
}
