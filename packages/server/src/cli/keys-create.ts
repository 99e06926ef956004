import { createKey } from "../keys.js";
import { DEFAULTS } from "../server.js";
import { openStore, ROLES, type Role } from "../store/index.js";
import { parseFlags, splitList } from "./flags.js";

/** `loopgate keys create`: writes a key straight into storage (no running server needed). */
export async function runKeysCreate(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    name: { type: "string" },
    role: { type: "string" },
    workflows: { type: "string" },
    authority: { type: "string" },
    "data-dir": { type: "string" },
    "database-url": { type: "string" },
  });
  const role = values.role as Role | undefined;
  if (!values.name || !role || !ROLES.includes(role)) {
    console.error(`loopgate keys create: --name and --role (${ROLES.join("|")}) are required`);
    return 1;
  }
  const store = await openStore({
    dataDir: (values["data-dir"] as string | undefined) ?? process.env.LOOPGATE_DATA_DIR ?? DEFAULTS.dataDir,
    databaseUrl: (values["database-url"] as string | undefined) ?? process.env.LOOPGATE_DATABASE_URL,
  });
  try {
    await store.migrate();
    const workflows = (values.workflows as string | undefined)
      ?.split(",")
      .map((w) => w.trim())
      .filter(Boolean);
    const { record, token } = await createKey(store, {
      name: values.name as string,
      role,
      workflows,
      authorityRoles: splitList(values.authority),
      now: Date.now(),
    });
    console.log(token);
    console.error(
      `created ${record.role} key "${record.name}" (${record.id}); webhook signing secret: ${record.signingSecret}`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
