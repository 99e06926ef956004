import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** packages/web */
const WEB_ROOT = fileURLToPath(new URL("../..", import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? files(p) : [p];
    });
}

/** A hash of everything the build reads from this package, so a changed source means a new build. */
function sourceHash(): string {
  const h = createHash("sha256");
  const inputs = [
    join(WEB_ROOT, "index.html"),
    join(WEB_ROOT, "vite.config.ts"),
    join(WEB_ROOT, "package.json"),
    ...files(join(WEB_ROOT, "src")),
  ];
  for (const f of inputs) {
    h.update(relative(WEB_ROOT, f));
    h.update("\0");
    h.update(readFileSync(f));
    h.update("\0");
  }
  return h.digest("hex").slice(0, 16);
}

/**
 * The built workspace for browser tests: `vite build` (through Vite's JS API) into a temp directory
 * named after a hash of the sources, reused while they are unchanged. Test files run in parallel
 * processes: each builds into its own directory and renames it into place, so a reader never sees a
 * half-written build and the first finished build wins. packages/web/dist is left alone.
 */
export async function builtWorkspace(): Promise<string> {
  const dir = join(tmpdir(), `loopgate-web-${sourceHash()}`);
  if (existsSync(join(dir, "index.html"))) return dir;
  const scratch = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const { build } = await import("vite");
  // Vitest runs with NODE_ENV=test, which would make Vite bundle React's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({
      root: WEB_ROOT,
      configFile: join(WEB_ROOT, "vite.config.ts"),
      mode: "production",
      logLevel: "warn",
      build: { outDir: scratch, emptyOutDir: true, sourcemap: false },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  try {
    renameSync(scratch, dir);
  } catch {
    // Another test file got there first; its build is the same sources.
    rmSync(scratch, { recursive: true, force: true });
  }
  if (!existsSync(join(dir, "index.html"))) throw new Error(`web build missing index.html in ${dir}`);
  pruneOldBuilds(dir);
  return dir;
}

/** Builds of earlier sources, left by earlier runs, are removed after a day. */
function pruneOldBuilds(keep: string): void {
  const dayAgo = Date.now() - 86_400_000;
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith("loopgate-web-")) continue;
    const p = join(tmpdir(), name);
    if (p === keep) continue;
    try {
      if (statSync(p).mtimeMs < dayAgo) rmSync(p, { recursive: true, force: true });
    } catch {
      // Another process removed it first.
    }
  }
}
