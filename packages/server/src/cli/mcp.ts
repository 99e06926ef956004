import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { remoteApi } from "../mcp/api.js";
import { loopgateMcpServer } from "../mcp/tools.js";
import { parseFlags } from "./flags.js";
import { runCommand, UsageError } from "./usage.js";

/**
 * `loopgate mcp --url http://localhost:8080 --key $LOOPGATE_KEY`: an MCP server on stdin/stdout for
 * clients that spawn their servers (Claude Desktop, IDEs). It holds no storage: every tool call goes
 * to a running Loopgate's HTTP API with the key, so the policy, the key's scope and the reviewers'
 * queue are the server's. stdout carries the protocol only; messages go to stderr.
 */
export function runMcp(args: string[]): Promise<number> {
  return runCommand("mcp", async () => {
    const { values } = parseFlags(args, {
      url: { type: "string" },
      key: { type: "string" },
      "wait-seconds": { type: "string" },
    });
    const flag = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : undefined);
    const url = flag("url") ?? process.env.LOOPGATE_URL ?? "http://localhost:8080";
    if (!/^https?:\/\//.test(url)) throw new UsageError(`--url must be an http(s) URL; got "${url}"`);
    // The environment is the better place for the key: a flag shows in the process list.
    const key = flag("key") ?? process.env.LOOPGATE_KEY;
    if (!key) throw new UsageError("--key (or LOOPGATE_KEY) must be an automation key");
    const wait = flag("wait-seconds");
    const defaultWaitSeconds = wait === undefined ? undefined : Number(wait);
    if (defaultWaitSeconds !== undefined && !(defaultWaitSeconds >= 0 && defaultWaitSeconds <= 3600)) {
      throw new UsageError(`--wait-seconds must be a number from 0 to 3600; got "${wait}"`);
    }
    const server = loopgateMcpServer(remoteApi(url, key), { defaultWaitSeconds });
    const transport = new StdioServerTransport();
    const closed = new Promise<void>((resolve) => {
      // The client ends the session by closing our stdin (the stdio transport's shutdown).
      process.stdin.once("end", resolve);
      process.stdin.once("close", resolve);
    });
    await server.connect(transport);
    console.error(`loopgate mcp: serving stdio for ${url}`);
    await closed;
    await server.close();
    return 0;
  });
}
