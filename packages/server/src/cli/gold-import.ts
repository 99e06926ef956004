import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { goldCasesFrom, parseGoldLines } from "../http/oversight/gold-items.js";
import { HttpProblem } from "../http/problem.js";
import { defaultPolicyDir, loadPolicyDir } from "../policy-files.js";
import { DEFAULTS } from "../server.js";
import { openStore } from "../store/index.js";
import { parseFlags } from "./flags.js";

/**
 * `loopgate gold import --workflow W FILE.jsonl`: adds known-answer cases to a workflow's gold set
 * straight into storage (no running server needed), with the same checks as `POST
 * /v1/workflows/:name/gold`. All or nothing: the first bad line is reported and nothing is stored.
 */
export async function runGoldImport(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    workflow: { type: "string" },
    "data-dir": { type: "string" },
    "database-url": { type: "string" },
    schema: { type: "string" },
    "policy-dir": { type: "string" },
  });
  const workflow = values.workflow as string | undefined;
  const file = positionals[0];
  if (!workflow || !file || positionals.length > 1) {
    console.error("loopgate gold import: --workflow W and one FILE.jsonl are required");
    return 1;
  }
  let added: number;
  try {
    const policyDir = values["policy-dir"] ? resolve(values["policy-dir"] as string) : defaultPolicyDir();
    const wf = loadPolicyDir(policyDir).workflows.get(workflow);
    if (!wf) {
      console.error(`loopgate gold import: no workflow ${workflow} in ${policyDir}`);
      return 1;
    }
    const { items, lines } = parseGoldLines(readFileSync(file, "utf8"));
    const rows = goldCasesFrom(wf, items, { createdBy: "cli", now: Date.now(), lines });
    const store = await openStore({
      dataDir:
        (values["data-dir"] as string | undefined) ?? process.env.LOOPGATE_DATA_DIR ?? DEFAULTS.dataDir,
      databaseUrl: (values["database-url"] as string | undefined) ?? process.env.LOOPGATE_DATABASE_URL,
      schema: values.schema as string | undefined,
    });
    try {
      await store.migrate();
      await store.oversight.insertGoldCases(rows);
    } finally {
      await store.close();
    }
    added = rows.length;
  } catch (err) {
    // A bad line's problem already says where: "FILE: line 3: /confidence must be <= 1".
    const message = err instanceof Error ? err.message : String(err);
    console.error(`loopgate gold import: ${err instanceof HttpProblem ? `${file}: ${message}` : message}`);
    return 1;
  }
  console.log(`added ${added} gold case${added === 1 ? "" : "s"} to ${workflow}`);
  return 0;
}
