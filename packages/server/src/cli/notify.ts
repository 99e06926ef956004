import type { NotifyChannel } from "../store/index.js";
import { parseFlags } from "./flags.js";
import { STORAGE_FLAGS, storageOf, withExistingStore } from "./storage.js";
import { runCommand, UsageError } from "./usage.js";

/**
 * `loopgate notify map|unmap|list`: who a Slack user id or an email address is in Loopgate, straight on
 * storage (the admin API is PUT/DELETE /v1/notify/identities). Only a mapped person can decide from a
 * notification, with their own account's role, scope and authority.
 */

const ID_FLAGS = { slack: { type: "string" }, email: { type: "string" } } as const;

function identityOf(values: Record<string, unknown>, usage: string): { channel: NotifyChannel; id: string } {
  const slack = values.slack as string | undefined;
  const email = values.email as string | undefined;
  if ((slack === undefined) === (email === undefined)) throw new UsageError(usage);
  return slack !== undefined ? { channel: "slack", id: slack } : { channel: "email", id: email as string };
}

export function runNotifyMap(args: string[]): Promise<number> {
  const usage = "usage: loopgate notify map (--slack SLACK_USER_ID | --email ADDRESS) --user USERNAME";
  return runCommand("notify map", async () => {
    const { values } = parseFlags(args, { ...STORAGE_FLAGS, ...ID_FLAGS, user: { type: "string" } });
    const { channel, id } = identityOf(values, usage);
    const username = values.user as string | undefined;
    if (!username) throw new UsageError(usage);
    return withExistingStore(storageOf(values), async (store) => {
      const user = await store.identity.findUserByUsername(username);
      if (!user || user.disabledAt !== null) throw new UsageError(`no active user "${username}"`);
      await store.notify.mapIdentity({
        channel,
        externalId: id,
        userId: user.id,
        createdBy: "cli",
        now: Date.now(),
      });
      console.log(`${channel} ${id} is now ${user.username} (${user.id})`);
      return 0;
    });
  });
}

export function runNotifyUnmap(args: string[]): Promise<number> {
  const usage = "usage: loopgate notify unmap (--slack SLACK_USER_ID | --email ADDRESS)";
  return runCommand("notify unmap", async () => {
    const { values } = parseFlags(args, { ...STORAGE_FLAGS, ...ID_FLAGS });
    const { channel, id } = identityOf(values, usage);
    return withExistingStore(storageOf(values), async (store) => {
      if (!(await store.notify.unmapIdentity(channel, id)))
        throw new UsageError(`no ${channel} identity ${id}`);
      console.log(`${channel} ${id} is no longer mapped; its email links stop working`);
      return 0;
    });
  });
}

export function runNotifyList(args: string[]): Promise<number> {
  return runCommand("notify list", async () => {
    const { values } = parseFlags(args, { ...STORAGE_FLAGS, json: { type: "boolean" } });
    return withExistingStore(storageOf(values), async (store) => {
      const identities = await store.notify.listIdentities();
      if (values.json === true) console.log(JSON.stringify(identities));
      else for (const i of identities) console.log(`${i.channel}\t${i.externalId}\t${i.userId}`);
      return 0;
    });
  });
}
