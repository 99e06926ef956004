import { readFileSync } from "node:fs";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { remoteApi } from "../mcp/api.js";
import { fetchDecisionKey } from "../mcp/gateway/gate.js";
import { MappingError, parseMapping } from "../mcp/gateway/mapping.js";
import { gatewayServer } from "../mcp/gateway/server.js";
import { connectUpstream, type UpstreamTarget } from "../mcp/gateway/upstream.js";
import { parseFlags } from "./flags.js";
import { runCommand, UsageError } from "./usage.js";

/**
 * `loopgate mcp-gateway --upstream "npx some-mcp-server" --map mapping.yaml --url http://localhost:8080`:
 * an MCP server on stdio that sits in front of another one and lets a call through only once Loopgate
 * approved it. The key comes from LOOPGATE_KEY (a flag shows in the process list); the decision key
 * is read once from the server at start and pinned, or given with --decision-key (a PEM file), which
 * also protects against a server answering in Loopgate's place from the start.
 */
export function runMcpGateway(args: string[]): Promise<number> {
  return runCommand("mcp-gateway", async () => {
    const { values, positionals } = parseFlags(args, {
      upstream: { type: "string" },
      map: { type: "string" },
      workflow: { type: "string" },
      url: { type: "string" },
      key: { type: "string" },
      "decision-key": { type: "string" },
      "wait-seconds": { type: "string" },
    });
    const flag = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : undefined);
    const url = flag("url") ?? process.env.LOOPGATE_URL ?? "http://localhost:8080";
    if (!/^https?:\/\//.test(url)) throw new UsageError(`--url must be an http(s) URL; got "${url}"`);
    const key = flag("key") ?? process.env.LOOPGATE_KEY;
    if (!key) throw new UsageError("--key (or LOOPGATE_KEY) must be an automation key");
    const target = upstreamOf(flag("upstream"), positionals);
    const mapFile = flag("map");
    let mapping: ReturnType<typeof parseMapping>;
    try {
      mapping = parseMapping(
        mapFile ? readFileSync(mapFile, "utf8") : "{}",
        mapFile ?? "--workflow",
        flag("workflow"),
      );
    } catch (err) {
      if (err instanceof MappingError || (err as { code?: string }).code === "ENOENT") {
        throw new UsageError((err as Error).message);
      }
      throw err;
    }
    if (!mapping.workflow && !mapFile) {
      throw new UsageError("--map (a mapping file) or --workflow must say which workflow the calls go to");
    }
    const wait = flag("wait-seconds");
    const waitSeconds = wait === undefined ? undefined : Number(wait);
    if (waitSeconds !== undefined && !(waitSeconds >= 0 && waitSeconds <= 3600)) {
      throw new UsageError(`--wait-seconds must be a number from 0 to 3600; got "${wait}"`);
    }

    const api = remoteApi(url, key);
    const pinned = flag("decision-key");
    const publicKeyPem = pinned
      ? readFileSync(pinned, "utf8")
      : await fetchDecisionKey(api).catch((err: Error) => {
          throw new UsageError(`cannot read the decision key from ${url}/v1/decision-key: ${err.message}`);
        });
    const upstream = await connectUpstream(target).catch((err: Error) => {
      throw new UsageError(`cannot connect to the upstream MCP server: ${err.message}`);
    });
    const server = gatewayServer({ upstream, api, mapping, publicKeyPem, loopgateUrl: url, waitSeconds });
    const closed = new Promise<void>((resolve) => {
      // The host ends the session by closing our stdin; an upstream that exits ends it too.
      process.stdin.once("end", resolve);
      process.stdin.once("close", resolve);
      upstream.onclose = resolve;
    });
    await server.connect(new StdioServerTransport());
    console.error(
      `loopgate mcp-gateway: gating ${upstream.getServerVersion()?.name ?? "upstream"} through ${url}`,
    );
    await closed;
    await server.close();
    await upstream.close();
    return 0;
  });
}

/**
 * `--upstream https://…/mcp` (Streamable HTTP), `--upstream "node server.js"` (split on spaces), or
 * the command and its arguments after `--` when an argument holds a space.
 */
function upstreamOf(upstream: string | undefined, positionals: string[]): UpstreamTarget {
  if (upstream !== undefined && positionals.length > 0) {
    throw new UsageError("give the upstream either with --upstream or after --, not both");
  }
  if (upstream !== undefined && /^https?:\/\//.test(upstream)) return { url: new URL(upstream) };
  const [command, ...args] = upstream !== undefined ? upstream.trim().split(/\s+/) : positionals;
  if (!command) throw new UsageError("--upstream must be the upstream MCP server's command or URL");
  return { command, args };
}
