import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The layering rules of `npm run lint` (.dependency-cruiser.cjs), proven by breaking each one: a small
// tree laid out like the repository, with one file per breach and a set of allowed imports beside them,
// is cruised with the project's own config. A rule that is weakened or mistyped fails here.

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const run = promisify(execFile);

/** Files of the scratch tree: path -> source. Each breach is alone in its file, so it names its rule. */
const TREE: Record<string, string> = {
  // Allowed: the store's door, a folder's leaf modules, core from anywhere, http using the store.
  "packages/core/src/index.ts": 'export const pure = 1;\nexport type { Ok } from "./ok.js";\n',
  "packages/core/src/ok.ts": "export interface Ok { ok: true }\n",
  "packages/server/src/store/index.ts": 'export { caseRows } from "./cases/rows.js";\n',
  "packages/server/src/store/cases/index.ts":
    'import { caseRows } from "./rows.js";\nexport const part = caseRows;\n',
  "packages/server/src/store/cases/rows.ts": "export const caseRows = 1;\n",
  "packages/server/src/store/review/decide.ts":
    'import { caseRows } from "../cases/rows.js";\nexport const d = caseRows;\n',
  "packages/server/src/http/cases.ts":
    'import { caseRows } from "../store/index.js";\nexport const h = caseRows;\n',
  "packages/server/src/workers/timers.ts":
    'import { caseRows } from "../store/index.js";\nexport const w = caseRows;\n',
  // Breaches.
  "packages/server/src/store/review/cycle-a.ts":
    'import type { B } from "./cycle-b.js";\nexport type A = B[];\n',
  "packages/server/src/store/review/cycle-b.ts":
    'import type { A } from "./cycle-a.js";\nexport type B = A | 1;\n',
  "packages/core/src/reads-files.ts":
    'import { readFileSync } from "node:fs";\nexport const read = readFileSync;\n',
  "packages/core/src/uses-server.ts":
    'import { h } from "../../server/src/http/cases.js";\nexport const x = h;\n',
  "packages/server/src/store/serves.ts": 'import { h } from "../http/cases.js";\nexport const s = h;\n',
  "packages/server/src/oversight/peeks.ts":
    'import { caseRows } from "../store/cases/rows.js";\nexport const p = caseRows;\n',
  "packages/server/src/store/review/composes.ts":
    'import { part } from "../cases/index.js";\nexport const c = part;\n',
  "packages/server/src/http/runs-workers.ts":
    'import { w } from "../workers/timers.js";\nexport const r = w;\n',
  "packages/server/src/workers/serves.ts": 'import { h } from "../http/cases.js";\nexport const v = h;\n',
  "packages/web/src/ships-server.ts":
    'import { caseRows } from "../../server/src/store/index.js";\nexport const z = caseRows;\n',
  "tsconfig.test.json": JSON.stringify({
    compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true },
  }),
};

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

let dir: string;
let violations: Violation[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "loopgate-depcruise-"));
  for (const [path, source] of Object.entries(TREE)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), source);
  }
  // depcruise exits non-zero when it finds violations; the JSON report is on stdout either way.
  const { stdout } = await run(
    join(ROOT, "node_modules/.bin/depcruise"),
    ["--config", join(ROOT, ".dependency-cruiser.cjs"), "--output-type", "json", "packages"],
    { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
  ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? "" }));
  violations = (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const broken = (file: string) =>
  violations
    .filter((v) => v.from === file)
    .map((v) => v.rule.name)
    .sort();

describe("npm run lint's dependency rules", () => {
  it("let the allowed imports through", () => {
    const allowed = Object.keys(TREE).filter(
      (p) => /(index|ok|rows|decide|cases|timers)\.ts$/.test(p) && !p.endsWith("composes.ts"),
    );
    for (const file of allowed) expect(broken(file), file).toEqual([]);
  });

  it("refuse an import cycle, even one made only of types", () => {
    // A cycle is reported once, from whichever of its modules the cruise reaches first.
    const either = [
      ...broken("packages/server/src/store/review/cycle-a.ts"),
      ...broken("packages/server/src/store/review/cycle-b.ts"),
    ];
    expect(either).toEqual(["no-cycles"]);
  });

  it("keep core pure: no I/O module, no other package of ours", () => {
    expect(broken("packages/core/src/reads-files.ts")).toEqual(["core-does-no-io"]);
    expect(broken("packages/core/src/uses-server.ts")).toEqual(["core-is-pure"]);
  });

  it("keep the store at the bottom, used only through its door", () => {
    expect(broken("packages/server/src/store/serves.ts")).toEqual(["store-is-below-everything"]);
    expect(broken("packages/server/src/oversight/peeks.ts")).toEqual(["store-through-its-door"]);
    expect(broken("packages/server/src/store/review/composes.ts")).toEqual(["aggregates-do-not-compose"]);
  });

  it("keep HTTP and the workers apart, and server code out of the web workspace", () => {
    expect(broken("packages/server/src/http/runs-workers.ts")).toEqual(["http-is-transport"]);
    expect(broken("packages/server/src/workers/serves.ts")).toEqual(["workers-are-not-transport"]);
    expect(broken("packages/web/src/ships-server.ts")).toEqual(["clients-stand-alone"]);
  });
});
