import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { ServerConfig } from "../../../server/src/server.js";
import { startReceiver } from "../../../server/test/helpers/receiver.js";
import { startTestServer, type TestServer } from "../../../server/test/helpers/server.js";
import { launchBrowser } from "./browser.js";
import { builtWorkspace } from "./build.js";

const WEB_POLICIES = fileURLToPath(new URL("../fixtures/policies", import.meta.url));

export interface Person {
  id: string;
  username: string;
  password: string;
  name: string;
}

/** A real server (SQLite, the test policies, the built workspace), a webhook receiver and a browser. */
export interface Workspace {
  server: TestServer;
  receiver: Awaited<ReturnType<typeof startReceiver>>;
  browser: Browser;
  automationKey: string;
  /** Submits a case as the automation, with the receiver as its callback; returns the case id. */
  submit(body: Record<string, unknown>): Promise<string>;
  /**
   * A person who signs in with a password, scoped to the given workflows, with the authority roles the
   * policies' `review.authority` rules name (e.g. ap_clerk).
   */
  person(
    role: "reviewer" | "auditor" | "admin",
    workflows?: string[],
    name?: string,
    authorityRoles?: string[],
  ): Promise<Person>;
  /** A fresh browser context (its own cookies) at 1280×800 unless told otherwise. */
  page(viewport?: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

let counter = 0;

export async function startWorkspace(overrides: Partial<ServerConfig> = {}): Promise<Workspace> {
  const webDir = await builtWorkspace();
  const server = await startTestServer("sqlite", {
    policyDir: WEB_POLICIES,
    webDir,
    leaseSeconds: 600,
    ...overrides,
  });
  const receiver = await startReceiver();
  const browser = await launchBrowser();
  const automationKey = (await server.newKey("automation")).key;
  const contexts: BrowserContext[] = [];
  return {
    server,
    receiver,
    browser,
    automationKey,
    async submit(body) {
      const res = await server.call(
        "POST",
        "/v1/cases",
        { callbackUrl: receiver.url, ...body },
        automationKey,
      );
      if (res.status !== 201) throw new Error(`submit failed: ${res.status} ${await res.text()}`);
      const created = await res.json();
      if (created.route === "auto") throw new Error(`test case was auto-routed: ${JSON.stringify(created)}`);
      return created.id as string;
    },
    async person(role, workflows, name, authorityRoles) {
      counter += 1;
      const username = `${role}${counter}-${Math.random().toString(36).slice(2, 6)}`;
      const password = "correct horse battery staple";
      const display = name ?? `${role[0]?.toUpperCase()}${role.slice(1)} ${counter}`;
      const res = await server.call("POST", "/v1/users", {
        username,
        password,
        role,
        name: display,
        workflows,
        authorityRoles,
      });
      if (res.status !== 201) throw new Error(`user creation failed: ${res.status} ${await res.text()}`);
      const user = await res.json();
      return { id: user.id, username, password, name: display };
    },
    async page(viewport = { width: 1280, height: 800 }) {
      const context = await browser.newContext({ viewport, baseURL: server.url, reducedMotion: "reduce" });
      // Fail at the step that waits, well before the test's own timeout.
      context.setDefaultTimeout(10_000);
      contexts.push(context);
      return { context, page: await context.newPage() };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
      await receiver.close();
      await server.close();
      await server.storage.cleanup();
    },
  };
}

/** Signs in through the form and waits for the queue. */
export async function signIn(page: Page, who: Person): Promise<void> {
  await page.goto("/");
  await page.getByLabel("Username").fill(who.username);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { level: 1, name: "Queue" }).waitFor();
}

/** From the queue, `n` takes the next case; resolves once its screen is shown. */
export async function nextCase(page: Page): Promise<string> {
  await page.keyboard.press("n");
  await page.waitForURL(/\/cases\/[^/]+$/);
  await page.getByRole("heading", { level: 2, name: /^Your (decision|judgment first)$/ }).waitFor();
  return decodeURIComponent(new URL(page.url()).pathname.split("/").pop() ?? "");
}

/** The serialised text of the page's main region (what a person can read on the screen). */
export async function mainText(page: Page): Promise<string> {
  return (await page.getByRole("main").textContent()) ?? "";
}
