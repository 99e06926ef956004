import type { UserRecord } from "../store/index.js";
import { newPasswordHash } from "../users.js";
import { parseFlags } from "./flags.js";
import { STORAGE_FLAGS, storageOf, withExistingStore } from "./storage.js";
import { runCommand, UsageError } from "./usage.js";
import { readPassword } from "./users-create.js";

/**
 * `loopgate users disable|password`: straight on storage. Disabling ends the person's sessions at once
 * and their keys within a running server's key-cache bound (5 s); a new password ends their sessions.
 */

async function userOrFail(
  find: (username: string) => Promise<UserRecord | undefined>,
  username: string,
): Promise<UserRecord> {
  const user = await find(username);
  if (!user) throw new UsageError(`no user "${username}"`);
  return user;
}

export function runUsersDisable(args: string[]): Promise<number> {
  return runCommand("users disable", async () => {
    const { values } = parseFlags(args, { ...STORAGE_FLAGS, username: { type: "string" } });
    const username = values.username as string | undefined;
    if (!username) throw new UsageError("usage: loopgate users disable --username U");
    return withExistingStore(storageOf(values), async (store) => {
      const user = await userOrFail((u) => store.identity.findUserByUsername(u), username);
      const done = await store.identity.disableUser(user.id, Date.now());
      console.log(done ? `disabled ${user.username} (${user.id})` : `${user.username} was already disabled`);
      return 0;
    });
  });
}

/** Prefer --password-stdin: a password given as a flag stays in the shell history and shows in `ps`. */
export function runUsersPassword(
  args: string[],
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  return runCommand("users password", async () => {
    const { values } = parseFlags(args, {
      ...STORAGE_FLAGS,
      username: { type: "string" },
      password: { type: "string" },
      "password-stdin": { type: "boolean" },
    });
    const username = values.username as string | undefined;
    const fromStdin = values["password-stdin"] === true;
    if (!username || fromStdin === (values.password !== undefined)) {
      throw new UsageError("usage: loopgate users password --username U (--password-stdin | --password P)");
    }
    const password = fromStdin ? await readPassword(stdin) : (values.password as string);
    return withExistingStore(storageOf(values), async (store) => {
      const user = await userOrFail((u) => store.identity.findUserByUsername(u), username);
      let hash: string;
      try {
        hash = await newPasswordHash(password);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      await store.identity.setPasswordHash(user.id, hash);
      console.log(`set a new password for ${user.username}; their sessions have ended`);
      return 0;
    });
  });
}
