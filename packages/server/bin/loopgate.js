#!/usr/bin/env node
// The `loopgate` command as npm links it (node_modules/.bin/loopgate). In a checkout of the repository it
// first brings the compiled CLI up to date (`tsc -b`: about 15 s the first time right after `npm install`,
// a fraction of a second afterwards), so the README's commands work without a build step and never run
// stale code. An installed package has no sources beside dist/ and runs dist/ as it is.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const cli = fileURLToPath(new URL("../dist/cli/bin.js", import.meta.url));
const project = fileURLToPath(new URL("..", import.meta.url));
if (existsSync(fileURLToPath(new URL("../tsconfig.json", import.meta.url)))) {
  if (!existsSync(cli)) console.error("loopgate: compiling the server once for this checkout (about 15 s)…");
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const built = spawnSync(process.execPath, [tsc, "-b", project], { stdio: "inherit" });
  if (built.status !== 0) {
    console.error("loopgate: the server does not compile; see the errors above");
    process.exit(built.status ?? 1);
  }
}
if (!existsSync(cli)) {
  console.error(`loopgate: no compiled CLI at ${cli}; run npm run build`);
  process.exit(1);
}
await import(pathToFileURL(cli).href);
