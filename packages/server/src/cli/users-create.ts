import { Conflict, ValidationError } from "@loopgate/core";
import { DEFAULTS } from "../server.js";
import { openStore, USER_ROLES, type UserRole } from "../store/index.js";
import { createUser } from "../users.js";
import { parseFlags, splitList } from "./flags.js";
import { grantRefusal } from "./grant-flags.js";

const USAGE = `usage: loopgate users create --username U (--password-stdin | --password P) --role ${USER_ROLES.join("|")}
                             [--workflows a,b] [--authority role1,role2] [--name "Full Name"]
                             [--data-dir DIR] [--database-url URL] [--policy-dir DIR]`;

/** Everything on stdin, minus the one line ending that `echo` or a heredoc adds. */
export async function readPassword(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/**
 * `loopgate users create`: writes a person straight into storage (no running server needed). Prefer
 * --password-stdin: a password given as a flag stays in the shell history and shows in `ps`.
 */
export async function runUsersCreate(
  args: string[],
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseFlags(args, {
      username: { type: "string" },
      password: { type: "string" },
      "password-stdin": { type: "boolean" },
      role: { type: "string" },
      name: { type: "string" },
      workflows: { type: "string" },
      authority: { type: "string" },
      "policy-dir": { type: "string" },
      "data-dir": { type: "string" },
      "database-url": { type: "string" },
    }));
  } catch (err) {
    console.error(`loopgate users create: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 1;
  }
  const fail = (message: string) => {
    console.error(`loopgate users create: ${message}`);
    return 1;
  };
  const username = values.username as string | undefined;
  const role = values.role as UserRole | undefined;
  if (!username || !role) return fail(`--username and --role are required\n${USAGE}`);
  if (!USER_ROLES.includes(role))
    return fail(`--role must be one of ${USER_ROLES.join(", ")}, not "${role}"`);
  const fromStdin = values["password-stdin"] === true;
  if (fromStdin === (values.password !== undefined)) {
    return fail(`give the password with exactly one of --password-stdin or --password\n${USAGE}`);
  }
  const password = fromStdin ? await readPassword(stdin) : (values.password as string);
  const workflows = splitList(values.workflows);
  const refusal = grantRefusal({ role, workflows }, values["policy-dir"] as string | undefined);
  if (refusal) return fail(refusal);

  const store = await openStore({
    dataDir: (values["data-dir"] as string | undefined) ?? process.env.LOOPGATE_DATA_DIR ?? DEFAULTS.dataDir,
    databaseUrl: (values["database-url"] as string | undefined) ?? process.env.LOOPGATE_DATABASE_URL,
  });
  try {
    await store.migrate();
    const user = await createUser(store, {
      username,
      password,
      role,
      name: values.name as string | undefined,
      workflows,
      authorityRoles: splitList(values.authority),
      now: Date.now(),
    });
    const scope = user.workflows ? `workflows ${user.workflows.join(", ")}` : "every workflow";
    const authority = user.authorityRoles?.length ? `, authority ${user.authorityRoles.join(", ")}` : "";
    console.log(`created ${user.role} "${user.username}" (${user.name}, ${user.id}), ${scope}${authority}`);
    return 0;
  } catch (err) {
    // The same rules as POST /v1/users; say them in CLI terms.
    if (err instanceof ValidationError || err instanceof Conflict) return fail(err.message);
    throw err;
  } finally {
    await store.close();
  }
}
