import { runExport } from "./export.js";
import { runGoldImport } from "./gold-import.js";
import { runKeysCreate } from "./keys-create.js";
import { runPolicyValidate } from "./policy-validate.js";
import { runReport } from "./report.js";
import { runServe } from "./serve.js";
import { runSimulate } from "./simulate.js";
import { runThresholds } from "./thresholds.js";
import { runUsersCreate } from "./users-create.js";

const USAGE = `loopgate — a human-in-the-loop gateway for automations and AI agents

Usage:
  loopgate serve [--port 8080] [--host 127.0.0.1] [--data-dir ./.loopgate] [--database-url postgres://…]
                 [--policy-dir DIR] [--shadow-policy-dir DRAFT_DIR] [--demo]
  loopgate policy validate [DIR] [--data-dir DIR] [--database-url URL]
  loopgate keys create --name NAME --role admin|automation|reviewer|auditor [--workflows a,b]
                 [--authority role1,role2] [--user USERNAME] [--data-dir DIR] [--database-url URL]
                 [--policy-dir DIR]
  loopgate users create --username U (--password-stdin | --password P) --role reviewer|admin|auditor
                 [--workflows a,b] [--authority role1,role2] [--name "Full Name"]
                 [--data-dir DIR] [--database-url URL] [--policy-dir DIR]
  loopgate gold import --workflow W FILE.jsonl [--data-dir DIR] [--database-url URL] [--schema S]
                 [--policy-dir DIR]
  loopgate report --workflow W [--since 7d|24h|30m|ISO] [--until ISO] [--out FILE|-]
                 [--data-dir DIR] [--database-url URL] [--policy-dir DIR]
  loopgate export --kind corrections|preferences|labels [--workflow W] [--since 30d|ISO] [--until ISO]
                 [--reviewer ID] [--verdict V] [--reason CODE] [--out DIR]
                 [--data-dir DIR] [--database-url URL]
  loopgate thresholds --workflow W --max-error 0.01 [--level 0.95] [--since 90d|ISO] [--until ISO]
                 [--risk-class C] [--json] [--data-dir DIR] [--database-url URL] [--policy-dir DIR]
  loopgate simulate --policy DRAFT_DIR [--since 30d|24h|ISO] [--workflow W] [--json]
                 [--data-dir DIR] [--database-url URL] [--policy-dir LIVE_DIR]

Environment: PORT, HOST, LOOPGATE_DATA_DIR, LOOPGATE_DATABASE_URL, LOOPGATE_POLICY_DIR,
LOOPGATE_SHADOW_POLICY_DIR,
LOOPGATE_BOOTSTRAP_TOKEN, LOOPGATE_SECRET, LOOPGATE_DEMO (0 turns the demo stream off), LOG_LEVEL.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "serve":
      return runServe(rest);
    case "policy": {
      const [sub, ...args] = rest;
      if (sub === "validate") return runPolicyValidate(args);
      break;
    }
    case "gold": {
      const [sub, ...args] = rest;
      if (sub === "import") return runGoldImport(args);
      break;
    }
    case "keys": {
      const [sub, ...args] = rest;
      if (sub === "create") return runKeysCreate(args);
      break;
    }
    case "users": {
      const [sub, ...args] = rest;
      if (sub === "create") return runUsersCreate(args);
      break;
    }
    case "report":
      return runReport(rest);
    case "simulate":
      return runSimulate(rest);
    case "export":
      return runExport(rest);
    case "thresholds":
      return runThresholds(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return command === undefined ? 1 : 0;
  }
  console.error(`loopgate: unknown command "${argv.join(" ")}"\n\n${USAGE}`);
  return 1;
}
