import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DestinationPolicy, parseCallbackAllow } from "../../src/webhooks/destinations.js";
import { guardedAgent, RefusedByPolicy, type ResolveAll } from "../../src/webhooks/guarded-agent.js";
import { REFUSED_HOSTS } from "../helpers/ssrf-hosts.js";

/**
 * SSRF (issue 13, item 3): which addresses a webhook may reach. Every spelling of a refused address that
 * WHATWG URL parsing accepts, refused at submit; host names refused at connect time on what they resolve
 * to, without a connection being opened.
 */

describe("parseCallbackAllow", () => {
  it("reads addresses, CIDR ranges, ports and bracketed IPv6", () => {
    const entries = parseCallbackAllow(" 127.0.0.1, 10.0.0.0/8:8443,[::1]:9090,[fd00::]/8 ,");
    expect(entries.map((e) => [e.range[0].toString(), e.range[1], e.port])).toEqual([
      ["127.0.0.1", 32, undefined],
      ["10.0.0.0", 8, 8443],
      ["::1", 128, 9090],
      ["fd00::", 8, undefined],
    ]);
    expect(parseCallbackAllow(undefined)).toEqual([]);
  });

  it.each(["localhost", "127.1", "10.0.0.0/33", "::1", "[::1", "127.0.0.1:0", "127.0.0.1:99999", "*"])(
    "refuses %s, naming the setting and the entry",
    (entry) => {
      expect(() => parseCallbackAllow(entry)).toThrow(`LOOPGATE_CALLBACK_ALLOW: "${entry}"`);
    },
  );
});

describe("DestinationPolicy.urlRefusal (at submit)", () => {
  const policy = new DestinationPolicy([], []);

  it.each(REFUSED_HOSTS)("refuses http://%s:8080/hook", (host) => {
    expect(policy.urlRefusal(`http://${host}:8080/hook`)).toMatch(
      /refused unless LOOPGATE_CALLBACK_ALLOW allows it$/,
    );
  });

  it("refuses credentials, other schemes and non-URLs", () => {
    expect(policy.urlRefusal("https://user:pass@hooks.example.com/x")).toBe(
      "must not carry credentials (user:password@)",
    );
    expect(policy.urlRefusal("https://token@hooks.example.com/x")).toBe(
      "must not carry credentials (user:password@)",
    );
    expect(policy.urlRefusal("ftp://hooks.example.com/x")).toBe("must be an http:// or https:// URL");
    expect(policy.urlRefusal("file:///etc/passwd")).toBe("must be an http:// or https:// URL");
    expect(policy.urlRefusal("not a url")).toBe("is not a URL");
  });

  it("keeps public addresses, and host names for the connect-time check", () => {
    expect(policy.urlRefusal("https://93.184.215.14/hook")).toBeUndefined();
    expect(policy.urlRefusal("https://[2606:4700::1111]/hook")).toBeUndefined();
    expect(policy.urlRefusal("https://hooks.example.com/hook")).toBeUndefined();
    expect(policy.urlRefusal("http://metadata.google.internal/computeMetadata/v1/")).toBeUndefined();
  });

  it("refuses an address of this server itself, even a public one", () => {
    const own = new DestinationPolicy([], ["203.0.113.7", "2001:4860::7"]);
    expect(own.urlRefusal("http://203.0.113.7:8080/v1/keys")).toMatch(
      /^203.0.113.7 is an address of this server/,
    );
    expect(own.urlRefusal("http://[2001:4860::7]/v1/keys")).toMatch(/is an address of this server/);
  });

  it("lets through exactly what the allow-list names, by range and port", () => {
    const allow = new DestinationPolicy(parseCallbackAllow("127.0.0.1:9090,10.0.0.0/8,[::1]"), []);
    expect(allow.urlRefusal("http://127.0.0.1:9090/hook")).toBeUndefined();
    expect(allow.urlRefusal("http://127.1:9090/hook")).toBeUndefined(); // the same address, spelt short
    expect(allow.urlRefusal("http://[::ffff:127.0.0.1]:9090/hook")).toBeUndefined();
    expect(allow.urlRefusal("http://127.0.0.1:8080/hook")).toMatch(/loopback/); // another port
    expect(allow.urlRefusal("http://10.20.30.40:1/hook")).toBeUndefined();
    expect(allow.urlRefusal("http://[::1]:1/hook")).toBeUndefined();
    expect(allow.urlRefusal("http://169.254.169.254/latest/meta-data/")).toMatch(/link-local/);
    expect(allow.urlRefusal("http://192.168.0.1/")).toMatch(/private/);
  });
});

describe("guardedAgent (at connect time)", () => {
  let connections = 0;
  const server = createServer((_req, res) => res.writeHead(204).end());
  server.on("connection", () => {
    connections++;
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  /** A resolver that answers every name with `addresses` (DNS rebinding: a name the attacker controls). */
  const resolvingTo =
    (...addresses: string[]): ResolveAll =>
    (_host, cb) =>
      cb(
        null,
        addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })),
      );

  async function post(url: string, agent: ReturnType<typeof guardedAgent>) {
    try {
      const res = await request(url, { method: "POST", body: "{}", dispatcher: agent });
      await res.body.dump();
      return res.statusCode;
    } catch (err) {
      return err;
    } finally {
      await agent.close();
    }
  }

  it.each([
    ["localhost", undefined],
    ["rebind.attacker.test", resolvingTo("127.0.0.1")],
    ["mixed.attacker.test", resolvingTo("93.184.215.14", "127.0.0.1")],
    ["metadata.google.internal", resolvingTo("169.254.169.254")],
    ["v6.attacker.test", resolvingTo("::ffff:127.0.0.1")],
  ])("refuses %s resolving to a refused address, opening no connection", async (host, resolve) => {
    const before = connections;
    const agent = guardedAgent(new DestinationPolicy([], []), { resolve });
    const outcome = await post(`http://${host}:${port}/hook`, agent);
    expect(outcome).toBeInstanceOf(RefusedByPolicy);
    expect(connections).toBe(before);
  });

  it.each(["127.0.0.1", "[::ffff:127.0.0.1]"])("refuses the IP literal %s without a lookup", async (host) => {
    const before = connections;
    const outcome = await post(`http://${host}:${port}/hook`, guardedAgent(new DestinationPolicy([], [])));
    expect(outcome).toBeInstanceOf(RefusedByPolicy);
    expect(connections).toBe(before);
  });

  it("connects to the address it checked when the allow-list names it", async () => {
    const before = connections;
    const allow = new DestinationPolicy(parseCallbackAllow(`127.0.0.1:${port}`), []);
    expect(
      await post(
        `http://rebind.attacker.test:${port}/hook`,
        guardedAgent(allow, { resolve: resolvingTo("127.0.0.1") }),
      ),
    ).toBe(204);
    expect(
      await post(`http://localhost:${port}/hook`, guardedAgent(allow, { resolve: resolvingTo("127.0.0.1") })),
    ).toBe(204);
    expect(connections).toBe(before + 2);
  });
});
