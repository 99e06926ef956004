import { resolve } from "node:path";
import type { Workflow } from "@loopgate/core";
import { defaultPolicyDir, loadPolicyDir } from "../policy-files.js";
import { purgeExpired, type WorkflowPurge } from "../retention/purge.js";
import { parseFlags } from "./flags.js";
import { withExistingStore } from "./storage.js";
import { runCommand, UsageError } from "./usage.js";

/**
 * `loopgate purge [--dry-run] [--workflow W]`: deletes finished cases older than their workflow's
 * `retention.days`, as the server's retention worker does every hour, and records each purge in the
 * audit log. `--dry-run` lists what would go and deletes nothing.
 */
export function runPurge(args: string[]): Promise<number> {
  return runCommand("purge", async () => {
    const { values } = parseFlags(args, {
      "dry-run": { type: "boolean" },
      workflow: { type: "string" },
      json: { type: "boolean" },
      "data-dir": { type: "string" },
      "database-url": { type: "string" },
      "policy-dir": { type: "string" },
    });
    const flag = (k: string) => values[k] as string | undefined;
    const policyDir = flag("policy-dir") ? resolve(flag("policy-dir") as string) : defaultPolicyDir();
    let workflows: Workflow[];
    try {
      workflows = [...loadPolicyDir(policyDir).workflows.values()];
    } catch (err) {
      throw new UsageError(`cannot load the policies in ${policyDir}: ${(err as Error).message}`);
    }
    const only = flag("workflow");
    if (only !== undefined) {
      workflows = workflows.filter((w) => w.workflow === only);
      if (workflows.length === 0) throw new UsageError(`unknown workflow "${only}" in ${policyDir}`);
    }
    const dryRun = values["dry-run"] === true;
    const purged = await withExistingStore(
      { dataDir: flag("data-dir"), databaseUrl: flag("database-url") },
      (store) => purgeExpired(store, workflows, { now: Date.now(), dryRun, actor: "cli" }),
    );
    if (values.json === true) {
      console.log(JSON.stringify({ dryRun, workflows: purged.map(jsonOf) }));
      return 0;
    }
    for (const p of purged) console.log(lineOf(p, dryRun));
    return 0;
  });
}

function jsonOf(p: WorkflowPurge) {
  return { ...p, before: new Date(p.before).toISOString(), cases: p.cases.map((c) => c.id) };
}

function lineOf(p: WorkflowPurge, dryRun: boolean): string {
  const n = p.cases.length;
  const verb = dryRun ? "would purge" : "purged";
  return `${p.workflow}: ${verb} ${n} case${n === 1 ? "" : "s"} created before ${new Date(p.before).toISOString()} (retention ${p.retentionDays} days)`;
}
