import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";

const INDEX = "<!doctype html><title>Loopgate workspace</title><div id=root></div>";
const SCRIPT = "console.log('workspace');";

// Static serving does not touch storage, so one engine is enough.
describe("the workspace's static files", () => {
  let s: TestServer;
  let webDir: string;
  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), "loopgate-web-"));
    mkdirSync(join(webDir, "assets"));
    writeFileSync(join(webDir, "index.html"), INDEX);
    writeFileSync(join(webDir, "assets", "index-abc123.js"), SCRIPT);
    writeFileSync(join(webDir, "favicon.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>");
    writeFileSync(join(webDir, ".env"), "SECRET=1");
    s = await startTestServer("sqlite", { webDir });
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
    rmSync(webDir, { recursive: true, force: true });
  });

  const get = (path: string, init?: RequestInit) => fetch(s.url + path, init);

  it("serves index.html at / without caching it, and refuses to be framed", async () => {
    const res = await get("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(await res.text()).toBe(INDEX);
  });

  it("serves /assets/* with a long immutable cache", async () => {
    const res = await get("/assets/index-abc123.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/javascript/);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(await res.text()).toBe(SCRIPT);
    const head = await get("/assets/index-abc123.js", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("serves other files, revalidated", async () => {
    const res = await get("/favicon.svg");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-cache");
  });

  it("answers client-side routes with index.html (SPA fallback)", async () => {
    for (const path of ["/cases/abc", "/signin", "/cases/case_1?tab=history"]) {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(INDEX);
    }
  });

  it("answers a missing file with a 404 problem, not the page", async () => {
    for (const path of ["/assets/gone-123.js", "/robots.txt", "/assets/nested"]) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/problem\+json/);
    }
  });

  it("never serves dotfiles or anything outside the web directory", async () => {
    expect((await get("/.env")).status).toBe(404);
    for (const path of [
      "/..%2f..%2fetc%2fpasswd",
      "/%2e%2e/%2e%2e/etc/passwd",
      "/assets/..%2f..%2fpackage.json",
    ]) {
      const res = await get(path);
      const text = await res.text();
      // fetch itself may fold "%2e%2e" into a plain path, which then gets the page; never the file.
      if (res.status === 200) expect(text).toBe(INDEX);
      else expect([403, 404]).toContain(res.status);
      expect(text).not.toMatch(/root:|"name"/);
    }
  });

  it("keeps the API's own answers: JSON 404 for unknown /v1 routes, health and OpenAPI", async () => {
    const res = await get("/v1/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/problem\+json/);
    expect((await get("/v1")).status).toBe(404);
    expect((await get("/healthz")).status).toBe(200);
    expect(((await (await get("/openapi.json")).json()) as { openapi: string }).openapi).toBe("3.1.0");
    expect((await get("/openapi.json/x")).status).toBe(404);
    // Only GET and HEAD fall back to the page.
    expect((await get("/cases/abc", { method: "POST" })).status).toBe(404);
  });
});

describe("the workspace when it is not built", () => {
  let s: TestServer;
  let emptyDir: string;
  beforeAll(async () => {
    emptyDir = mkdtempSync(join(tmpdir(), "loopgate-web-empty-"));
    s = await startTestServer("sqlite", { webDir: join(emptyDir, "dist") });
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
    rmSync(emptyDir, { recursive: true, force: true });
  });

  it("answers / and client routes with a 503 problem saying how to build it", async () => {
    for (const path of ["/", "/cases/abc"]) {
      const res = await fetch(s.url + path);
      expect(res.status).toBe(503);
      expect(res.headers.get("content-type")).toMatch(/problem\+json/);
      expect(((await res.json()) as { detail: string }).detail).toBe(
        "the workspace is not built: run npm run build",
      );
    }
    expect((await fetch(`${s.url}/v1/nope`)).status).toBe(404);
  });

  it("serves the build as soon as it appears, without a restart", async () => {
    const dist = join(emptyDir, "dist");
    mkdirSync(dist);
    writeFileSync(join(dist, "index.html"), INDEX);
    const res = await fetch(`${s.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(INDEX);
  });
});
