import { DEFAULTS } from "../server.js";
import { openStore } from "../store/index.js";
import {
  alertSecretOwner,
  DEFAULT_OVERLAP_SECONDS,
  rotateSigningSecret,
} from "../webhooks/signing-secrets.js";
import { parseFlags } from "./flags.js";

/**
 * `loopgate webhooks rotate-secret (--key KEY_ID | --workflow W) [--overlap-seconds N]`: the same as
 * `POST /v1/keys/:id/signing-secret/rotate` and `POST /v1/oversight/alerts/secret/rotate`, straight on
 * the storage (no running server needed). Prints the new secret once.
 */
export async function runWebhooksRotate(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    key: { type: "string" },
    workflow: { type: "string" },
    "overlap-seconds": { type: "string" },
    "data-dir": { type: "string" },
    "database-url": { type: "string" },
  });
  const key = values.key as string | undefined;
  const workflow = values.workflow as string | undefined;
  if ((key === undefined) === (workflow === undefined)) {
    console.error("loopgate webhooks rotate-secret: give exactly one of --key KEY_ID or --workflow W");
    return 1;
  }
  const overlapText = values["overlap-seconds"] as string | undefined;
  const overlapSeconds = overlapText === undefined ? DEFAULT_OVERLAP_SECONDS : Number(overlapText);
  const store = await openStore({
    dataDir: (values["data-dir"] as string | undefined) ?? process.env.LOOPGATE_DATA_DIR ?? DEFAULTS.dataDir,
    databaseUrl: (values["database-url"] as string | undefined) ?? process.env.LOOPGATE_DATABASE_URL,
  });
  try {
    await store.migrate();
    if (key !== undefined && !(await store.identity.getKey(key))) {
      console.error(`loopgate webhooks rotate-secret: no key ${key}`);
      return 1;
    }
    const owner = key ?? alertSecretOwner(workflow as string);
    const { secret, previousValidUntil } = await rotateSigningSecret(store, owner, {
      now: Date.now(),
      overlapSeconds,
    });
    console.log(
      `new webhook signing secret for ${key !== undefined ? `key ${key}` : `workflow ${workflow}'s alerts`}: ${secret}\n` +
        `the previous one still verifies until ${previousValidUntil}`,
    );
    return 0;
  } catch (err) {
    console.error(`loopgate webhooks rotate-secret: ${(err as Error).message}`);
    return 1;
  } finally {
    await store.close();
  }
}
