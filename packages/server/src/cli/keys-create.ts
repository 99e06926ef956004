import { createKey } from "../keys.js";
import { DEFAULTS } from "../server.js";
import { openStore, ROLES, type Role } from "../store/index.js";
import { parseFlags, splitList } from "./flags.js";
import { grantRefusal } from "./grant-flags.js";
import { parseExpires } from "./keys-manage.js";

/**
 * `loopgate keys create`: writes a key straight into storage (no running server needed). With
 * `--user U` the key belongs to that user: it acts as them for four-eyes, and never reaches further.
 */
export async function runKeysCreate(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    name: { type: "string" },
    role: { type: "string" },
    workflows: { type: "string" },
    authority: { type: "string" },
    user: { type: "string" },
    expires: { type: "string" },
    "policy-dir": { type: "string" },
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
    const username = values.user as string | undefined;
    const owner = username === undefined ? undefined : await store.identity.findUserByUsername(username);
    if (username !== undefined && (!owner || owner.disabledAt !== null)) {
      console.error(`loopgate keys create: --user: no active user "${username}" to own the key`);
      return 1;
    }
    const workflows = splitList(values.workflows);
    const refusal = grantRefusal({ role, workflows }, values["policy-dir"] as string | undefined, owner);
    if (refusal) {
      console.error(`loopgate keys create: ${refusal}`);
      return 1;
    }
    let expiresAt: number | undefined;
    try {
      expiresAt =
        values.expires === undefined ? undefined : parseExpires(values.expires as string, Date.now());
    } catch (err) {
      console.error(`loopgate keys create: ${(err as Error).message}`);
      return 1;
    }
    const { record, token } = await createKey(store, {
      ...(expiresAt !== undefined && { expiresAt }),
      name: values.name as string,
      role,
      workflows,
      authorityRoles: splitList(values.authority),
      ...(owner && { userId: owner.id }),
      now: Date.now(),
    });
    console.log(token);
    const whose = owner ? `, belonging to ${owner.username}` : "";
    console.error(
      `created ${record.role} key "${record.name}" (${record.id}${whose}); webhook signing secret: ${record.signingSecret}`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
