import { runAudit } from "./audit.js";
import { runBackup } from "./backup.js";
import { runExport } from "./export.js";
import { runGoldImport } from "./gold-import.js";
import { runKeysCreate } from "./keys-create.js";
import { runKeysList, runKeysRevoke, runKeysRotate } from "./keys-manage.js";
import { runMcp } from "./mcp.js";
import { runMcpGateway } from "./mcp-gateway.js";
import { runNotifyList, runNotifyMap, runNotifyUnmap } from "./notify.js";
import { runPolicyValidate } from "./policy-validate.js";
import { runPurge } from "./purge.js";
import { runReport } from "./report.js";
import { runServe } from "./serve.js";
import { runSimulate } from "./simulate.js";
import { runThresholds } from "./thresholds.js";
import { runUsersCreate } from "./users-create.js";
import { runUsersDisable, runUsersPassword } from "./users-manage.js";
import { runWebhooksRotate } from "./webhooks-rotate.js";

const USAGE = `loopgate — a human-in-the-loop gateway for automations and AI agents

Usage:
  loopgate serve [--port 8080] [--host 127.0.0.1] [--data-dir ./.loopgate] [--database-url postgres://…]
                 [--policy-dir DIR] [--shadow-policy-dir DRAFT_DIR] [--demo]
                 [--callback-allow 127.0.0.1,10.0.0.0/8:8443]
  loopgate policy validate [DIR] [--data-dir DIR] [--database-url URL]
  loopgate keys create --name NAME --role admin|automation|reviewer|auditor [--workflows a,b]
                 [--authority role1,role2] [--user USERNAME] [--expires 30d|ISO] [--data-dir DIR]
                 [--database-url URL] [--policy-dir DIR]
  loopgate keys list [--json] [--data-dir DIR] [--database-url URL]
  loopgate keys revoke KEY_ID [--data-dir DIR] [--database-url URL]
  loopgate keys rotate KEY_ID [--overlap-seconds 3600] [--data-dir DIR] [--database-url URL]
  loopgate users create --username U (--password-stdin | --password P) --role reviewer|admin|auditor
                 [--workflows a,b] [--authority role1,role2] [--name "Full Name"]
                 [--data-dir DIR] [--database-url URL] [--policy-dir DIR]
  loopgate users disable --username U [--data-dir DIR] [--database-url URL]
  loopgate users password --username U (--password-stdin | --password P) [--data-dir DIR] [--database-url URL]
  loopgate backup --out FILE [--data-dir DIR]   (SQLite; for PostgreSQL use pg_dump)
  loopgate gold import --workflow W FILE.jsonl [--data-dir DIR] [--database-url URL] [--schema S]
                 [--policy-dir DIR]
  loopgate report --workflow W [--since 7d|24h|30m|ISO] [--until ISO] [--out FILE|-]
                 [--data-dir DIR] [--database-url URL] [--policy-dir DIR]
  loopgate export --kind corrections|preferences|labels|sft [--workflow W] [--since 30d|ISO] [--until ISO]
                 [--reviewer ID] [--verdict V] [--reason CODE] [--out DIR]
                 [--data-dir DIR] [--database-url URL]
  loopgate thresholds --workflow W --max-error 0.01 [--level 0.95] [--since 90d|ISO] [--until ISO]
                 [--risk-class C] [--json] [--data-dir DIR] [--database-url URL] [--policy-dir DIR]
  loopgate simulate --policy DRAFT_DIR [--since 30d|24h|ISO] [--workflow W] [--json]
                 [--data-dir DIR] [--database-url URL] [--policy-dir LIVE_DIR]
  loopgate webhooks rotate-secret (--key KEY_ID | --workflow W) [--overlap-seconds 86400]
                 [--data-dir DIR] [--database-url URL]
  loopgate audit verify [--public-key FILE] [--bundle DIR] [--data-dir DIR] [--database-url URL]
  loopgate audit checkpoint | public-key [--out FILE] [--data-dir DIR] [--database-url URL]
                 (public-key: also the key decisions are signed with, for verifyDecision)
  loopgate audit export --since 30d|ISO --out DIR [--data-dir DIR] [--database-url URL]
  loopgate purge [--dry-run] [--workflow W] [--json] [--data-dir DIR] [--database-url URL] [--policy-dir DIR]
                 (deletes finished cases past their workflow's retention.days; recorded in the audit log)
  loopgate notify map (--slack SLACK_USER_ID | --email ADDRESS) --user USERNAME [--data-dir DIR] [--database-url URL]
  loopgate notify unmap (--slack SLACK_USER_ID | --email ADDRESS) | notify list [--json] [--data-dir DIR] [--database-url URL]
                 (who may decide from Slack and email notifications)
  loopgate mcp [--url http://localhost:8080] [--key KEY] [--wait-seconds 50]
                 (MCP over stdio, bridged to a running server; LOOPGATE_URL, LOOPGATE_KEY)
  loopgate mcp-gateway --upstream "COMMAND ARGS" | URL  [--map mapping.yaml] [--workflow W]
                 [--url http://localhost:8080] [--key KEY] [--decision-key PEM_FILE] [--wait-seconds 50]
                 (an MCP server on stdio in front of another: each tool call waits for Loopgate's approval)

Environment: PORT, HOST, LOOPGATE_DATA_DIR, LOOPGATE_DATABASE_URL, LOOPGATE_POLICY_DIR,
LOOPGATE_SHADOW_POLICY_DIR,
LOOPGATE_BOOTSTRAP_TOKEN, LOOPGATE_SECRET, LOOPGATE_DEMO (0 turns the demo stream off), LOG_LEVEL,
LOOPGATE_SIGNIN_MAX_FAILURES, LOOPGATE_SIGNIN_ADDRESS_MAX_FAILURES, LOOPGATE_SIGNIN_LOCKOUT_SECONDS,
LOOPGATE_RATE_LIMIT_PER_MINUTE, LOOPGATE_REQUEST_TIMEOUT_SECONDS, LOOPGATE_METRICS_TOKEN,
LOOPGATE_CALLBACK_ALLOW, LOOPGATE_LEGACY_WEBHOOK_SIGNATURE,
LOOPGATE_PUBLIC_URL (turns notifications on), LOOPGATE_SLACK_SIGNING_SECRET, LOOPGATE_SMTP_URL,
LOOPGATE_MAIL_FROM, LOOPGATE_NOTIFY_TOKEN_HOURS,
LOOPGATE_AUDIT_CHECKPOINT_MINUTES (0 turns the signed audit checkpoints off).`;

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
      if (sub === "list") return runKeysList(args);
      if (sub === "revoke") return runKeysRevoke(args);
      if (sub === "rotate") return runKeysRotate(args);
      break;
    }
    case "users": {
      const [sub, ...args] = rest;
      if (sub === "create") return runUsersCreate(args);
      if (sub === "disable") return runUsersDisable(args);
      if (sub === "password") return runUsersPassword(args);
      break;
    }
    case "webhooks": {
      const [sub, ...args] = rest;
      if (sub === "rotate-secret") return runWebhooksRotate(args);
      break;
    }
    case "backup":
      return runBackup(rest);
    case "report":
      return runReport(rest);
    case "simulate":
      return runSimulate(rest);
    case "export":
      return runExport(rest);
    case "thresholds":
      return runThresholds(rest);
    case "audit":
      return runAudit(rest);
    case "mcp":
      return runMcp(rest);
    case "mcp-gateway":
      return runMcpGateway(rest);
    case "purge":
      return runPurge(rest);
    case "notify": {
      const [sub, ...args] = rest;
      if (sub === "map") return runNotifyMap(args);
      if (sub === "unmap") return runNotifyUnmap(args);
      if (sub === "list") return runNotifyList(args);
      break;
    }
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
