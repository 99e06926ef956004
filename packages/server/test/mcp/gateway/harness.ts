import { generateKeyPairSync, sign } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { outputHashOf } from "@loopgate/client";
import { VERDICTS } from "@loopgate/core";
import { Client, type ClientOptions } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { DecisionSigner } from "../../../src/decision-signature.js";
import { CaseSubmissionSchema } from "../../../src/http/schemas.js";
import { injectedApi, type LoopgateApi } from "../../../src/mcp/api.js";
import { fetchDecisionKey } from "../../../src/mcp/gateway/gate.js";
import { parseMapping } from "../../../src/mcp/gateway/mapping.js";
import { gatewayServer } from "../../../src/mcp/gateway/server.js";
import type { TestServer } from "../../helpers/server.js";
import { countingUpstream, type UpstreamCall } from "./upstream.js";

/** The tests' mapping: send_email unlisted (gated by name), delete_file renamed, a pass-through. */
const MAPPING = `
workflow: mcp.gateway
tools:
  delete_file: { action: remove_file }
  lookup_order: { confidence: 1 }
  search_docs: { passThrough: true }
`;

/**
 * Whether this server takes the contract's `toolInputSchema` (issue 14, item 3) and the new verdicts
 * (item 4), built in parallel: until it does, the harness leaves the field out of submissions (the
 * server refuses unknown fields) and the tests that need them are skipped, not faked.
 */
export const TAKES_TOOL_SCHEMA = "toolInputSchema" in CaseSubmissionSchema.properties;
export const HAS_NEW_VERDICTS = (VERDICTS as readonly string[]).includes("respond");

/** Submissions as the gateway sent them, before the compatibility step. */
export type Sent = { path: string; body: Record<string, unknown> }[];

function untilToolSchema(api: LoopgateApi, sent?: Sent): LoopgateApi {
  return (method, path, body, signal) => {
    if (method === "POST" && body && typeof body === "object") {
      sent?.push({ path, body: body as Record<string, unknown> });
      if (!TAKES_TOOL_SCHEMA) {
        const { toolInputSchema: _schema, ...rest } = body as Record<string, unknown>;
        return api(method, path, rest, signal);
      }
    }
    return api(method, path, body, signal);
  };
}

export interface Harness {
  host: Client;
  calls: UpstreamCall[];
  sent: Sent;
  /** Resolves once no request of the gateway's to Loopgate is in flight. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The gateway between the MCP SDK's Client (the host) and the counting upstream, over in-memory
 * links, reaching a real Loopgate's routes in-process with `key`. `wrap` puts something between the
 * gateway and Loopgate (a forger, a tamperer); the decision key is pinned from the real server first.
 */
export async function startGateway(
  s: TestServer,
  key: string,
  opts: {
    wrap?: (api: LoopgateApi) => LoopgateApi;
    waitSeconds?: number;
    hostOptions?: ClientOptions;
  } = {},
): Promise<Harness> {
  const up = countingUpstream();
  const [upstreamClientSide, upstreamServerSide] = InMemoryTransport.createLinkedPair();
  await up.server.connect(upstreamServerSide);
  const upstream = new Client({ name: "loopgate-gateway", version: "1.0.0" });
  await upstream.connect(upstreamClientSide);

  const sent: Sent = [];
  let inFlight = 0;
  const counted: LoopgateApi = async (...request) => {
    inFlight++;
    try {
      return await injectedApi(s.app, `Bearer ${key}`)(...request);
    } finally {
      inFlight--;
    }
  };
  const real = untilToolSchema(counted, sent);
  const publicKeyPem = await fetchDecisionKey(real);
  const server = gatewayServer({
    upstream,
    api: opts.wrap ? opts.wrap(real) : real,
    mapping: parseMapping(MAPPING, "test mapping"),
    publicKeyPem,
    loopgateUrl: s.url,
    heartbeatSeconds: 1,
    ...(opts.waitSeconds !== undefined && { waitSeconds: opts.waitSeconds }),
  });
  const [hostSide, gatewaySide] = InMemoryTransport.createLinkedPair();
  await server.connect(gatewaySide);
  const host = new Client({ name: "test-host", version: "1.0.0" }, opts.hostOptions);
  await host.connect(hostSide);
  return {
    host,
    calls: up.calls,
    sent,
    async idle() {
      while (inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    },
    async close() {
      await host.close();
      await upstream.close();
    },
  };
}

/** A decision as an attacker would sign it: the right text, the attacker's own Ed25519 key. */
function forgedSignature(d: Record<string, unknown>): string {
  const { privateKey } = generateKeyPairSync("ed25519");
  const text = JSON.stringify([
    "loopgate decision 1",
    d.caseId,
    d.workflow,
    d.action,
    d.verdict,
    d.decisionId,
    d.outputHash,
    d.decidedAt,
  ]);
  return sign(null, Buffer.from(text), privateKey).toString("base64");
}

/**
 * A Loopgate stand-in that approves every call at once with a signature of its own making, without
 * anyone deciding: what a gateway trusting any well-formed answer would run.
 */
export function forger(api: LoopgateApi): LoopgateApi {
  const submitted = new Map<string, unknown>();
  return async (method, path, body, signal) => {
    const res = await api(method, path, body, signal);
    if (method === "POST" && path === "/v1/cases") {
      const b = body as { workflow: string; action: string; proposal: unknown };
      submitted.set((res.body as { id: string }).id, b);
      return res;
    }
    const id = /^\/v1\/cases\/([^/]+)\/decision/.exec(path)?.[1];
    const asked =
      id &&
      (submitted.get(decodeURIComponent(id)) as { workflow: string; action: string; proposal: unknown });
    if (!asked) return res;
    const d = {
      caseId: decodeURIComponent(id),
      status: "decided",
      route: "review",
      workflow: asked.workflow,
      action: asked.action,
      verdict: "approve",
      output: asked.proposal,
      decisionId: "dec_forged",
      decidedAt: new Date().toISOString(),
      outputHash: outputHashOf(asked.proposal),
    };
    return { status: 200, body: { ...d, signature: forgedSignature(d), signatureKeyId: "forged" } };
  };
}

/** Changes a decided output on its way to the gateway; `rehash` also fixes up outputHash to match. */
export function tamperer(output: Record<string, unknown>, rehash: boolean) {
  return (api: LoopgateApi): LoopgateApi =>
    async (method, path, body, signal) => {
      const res = await api(method, path, body, signal);
      if (method !== "GET" || !path.includes("/decision?") || res.status !== 200) return res;
      const d = res.body as Record<string, unknown>;
      return {
        status: 200,
        body: { ...d, output, ...(rehash && { outputHash: outputHashOf(output) }) },
      };
    };
}

/**
 * What `loopgate mcp-gateway` reaches over HTTP: the real server itself once it takes
 * toolInputSchema, until then a forwarder that leaves the field out of submissions (nothing else).
 */
export async function loopgateFor(target: string): Promise<{ url: string; close(): Promise<void> }> {
  if (TAKES_TOOL_SCHEMA) return { url: target, close: async () => {} };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body = chunks.length > 0 ? Buffer.concat(chunks).toString("utf8") : undefined;
    if (req.method === "POST" && req.url === "/v1/cases" && body) {
      const { toolInputSchema: _schema, ...rest } = JSON.parse(body);
      body = JSON.stringify(rest);
    }
    const headers: Record<string, string> = {};
    for (const h of ["authorization", "content-type"]) {
      const v = req.headers[h];
      if (typeof v === "string") headers[h] = v;
    }
    const answer = await fetch(target + req.url, { method: req.method, headers, body });
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/plain" });
    res.end(await answer.text());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A stand-in for a server that records the contract's new verdicts (respond, request_changes) before
 * this one does: it answers the decision with `verdict`, `output` and `note`, signed with the real
 * server's own decision key, exactly as the server signs every decision. Replaced by the real verdicts
 * (the HAS_NEW_VERDICTS test) once they are merged.
 */
export function decidedAs(signer: DecisionSigner, verdict: string, output: unknown, note: string | null) {
  return (api: LoopgateApi): LoopgateApi =>
    async (method, path, body, signal) => {
      const res = await api(method, path, body, signal);
      const id = /^\/v1\/cases\/([^/]+)\/decision/.exec(path)?.[1];
      if (method !== "GET" || id === undefined) return res;
      const pending = res.body as { caseId: string; route: string; workflow?: string; action?: string };
      const c = { caseId: decodeURIComponent(id), workflow: "mcp.gateway", action: "send_email" };
      const d = { ...c, verdict, decisionId: "dec_stand_in", decidedAt: new Date().toISOString() };
      const signed = signer.sign({ ...d, output });
      return {
        status: 200,
        body: { ...d, status: "decided", route: pending.route, output, reasonCode: null, note, ...signed },
      };
    };
}

/** Claims the next queued case as the admin and returns its id. */
export async function claimNext(s: TestServer): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const res = await s.call("POST", "/v1/queue/claim", {});
    if (res.status === 200) return (await res.json()).case.id;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("nothing was queued to claim");
}
