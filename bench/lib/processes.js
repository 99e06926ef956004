// The servers a bench run starts: `loopgate serve` exactly as a user runs it, and the bare baseline
// route. Every child is killed when the bench exits, however it exits, so a failed run leaves no server
// holding a port or a database.
import { fork, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const ADMIN_TOKEN = "lg_bench_admin_token_for_this_run_only";

const children = new Set();

/** Kills every server this run started and has not stopped (on exit, and on Ctrl-C before cleaning up). */
export function killAll() {
  for (const child of children) child.kill("SIGKILL");
}
process.on("exit", killAll);

function track(child, what) {
  children.add(child);
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return {
    pid: child.pid,
    exited,
    /** SIGTERM (the server drains and closes its store), SIGKILL if it has not exited in 15 s. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => {
        console.error(`bench: ${what} did not stop in 15 s; killing it`);
        child.kill("SIGKILL");
      }, 15_000);
      await exited;
      clearTimeout(timer);
      children.delete(child);
    },
  };
}

/**
 * `loopgate serve` on a free port, SQLite in `dataDir` or PostgreSQL at `databaseUrl`, with `policyDir`;
 * resolves once it prints its listening line. Its log goes to stderr only when BENCH_SERVER_LOG=1.
 */
export function startLoopgate({ dataDir, databaseUrl, policyDir }) {
  // BENCH_SERVER_NODE_ARGS: flags for the servers' node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const bin = `${ROOT}/packages/server/dist/cli/bin.js`;
  const args = [...nodeArgs, bin, "serve", "--port", "0", "--policy-dir", policyDir];
  if (databaseUrl) args.push("--database-url", databaseUrl);
  else args.push("--data-dir", dataDir);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      LOOPGATE_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
      LOOPGATE_DEMO: "0",
      LOG_LEVEL: process.env.BENCH_SERVER_LOG === "1" ? "info" : "warn",
    },
    stdio: ["ignore", "pipe", process.env.BENCH_SERVER_LOG === "1" ? "inherit" : "pipe"],
  });
  const server = track(child, "loopgate serve");
  // The last few kB of its output, read all along (a full pipe would stall the server), for errors.
  let out = "";
  const keep = (chunk) => {
    out = (out + chunk).slice(-4000);
  };
  child.stdout.on("data", keep);
  child.stderr?.on("data", keep);
  return new Promise((resolve, reject) => {
    const onData = () => {
      const m = /Loopgate listening on (http:\/\/\S+)/.exec(out);
      if (!m) return;
      child.stdout.off("data", onData);
      resolve({ ...server, url: m[1], output: () => out });
    };
    child.stdout.on("data", onData);
    server.exited.then(({ code, signal }) =>
      reject(new Error(`loopgate serve exited (${code ?? signal}) before listening:\n${out}`)),
    );
  });
}

/** `bench/baseline-server.js` for `engine`, storing in `target` (a directory, or a PostgreSQL URL + schema). */
export function startBaseline(engine, ...target) {
  const child = fork(`${ROOT}/bench/baseline-server.js`, [engine, ...target], {
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const server = track(child, "baseline server");
  return new Promise((resolve, reject) => {
    child.once("message", (m) => resolve({ ...server, url: `http://127.0.0.1:${m.port}/insert` }));
    server.exited.then(({ code, signal }) => reject(new Error(`baseline server exited (${code ?? signal})`)));
  });
}

/** Resident set size of a process, in bytes, from /proc (Linux). */
export function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb[1]) * 1024;
}
