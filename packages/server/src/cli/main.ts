import { runKeysCreate } from "./keys-create.js";
import { runPolicyValidate } from "./policy-validate.js";
import { runServe } from "./serve.js";
import { runUsersCreate } from "./users-create.js";

const USAGE = `loopgate — a human-in-the-loop gateway for automations and AI agents

Usage:
  loopgate serve [--port 8080] [--host 127.0.0.1] [--data-dir ./.loopgate] [--database-url postgres://…]
                 [--policy-dir DIR] [--demo]
  loopgate policy validate [DIR]
  loopgate keys create --name NAME --role admin|automation|reviewer|auditor [--workflows a,b]
                 [--authority role1,role2] [--data-dir DIR] [--database-url URL]
  loopgate users create --username U (--password-stdin | --password P) --role reviewer|admin|auditor
                 [--workflows a,b] [--authority role1,role2] [--name "Full Name"]
                 [--data-dir DIR] [--database-url URL]

Environment: PORT, HOST, LOOPGATE_DATA_DIR, LOOPGATE_DATABASE_URL, LOOPGATE_POLICY_DIR,
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
