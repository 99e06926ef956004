// The project's layering, checked by `npm run lint` (`depcruise`). Each rule says what it protects;
// docs/architecture.md describes the same map in words.
const SERVER = "^packages/server/src/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "A cycle (types included) means two modules cannot be read, tested or moved apart.",
      from: {},
      to: { circular: true },
    },
    {
      name: "core-is-pure",
      severity: "error",
      comment:
        "packages/core is the pure domain: policy, review rules, metrics and statistics over plain data. " +
        "It imports no other package of ours and no module that does I/O (its tests may read fixtures).",
      from: { path: "^packages/core/src/", pathNot: "\\.test\\.ts$" },
      to: {
        path: "^packages/(server|client|web)/|node_modules/(better-sqlite3|pg|kysely|fastify|@fastify|undici|pino|prom-client|nodemailer)/",
      },
    },
    {
      name: "core-does-no-io",
      severity: "error",
      comment: "No file system, network, processes or timers-as-I/O in the domain core.",
      from: { path: "^packages/core/src/", pathNot: "\\.test\\.ts$" },
      to: {
        dependencyTypes: ["core"],
        path: "^(node:)?(fs|fs/promises|net|http|https|http2|child_process|dgram|dns|tls|worker_threads|cluster|readline|os)$",
      },
    },
    {
      name: "store-is-below-everything",
      severity: "error",
      comment:
        "The store is the bottom of the server: it never imports http, workers, cli or any other server " +
        "module, so storage can be tested and replaced on its own.",
      from: { path: `${SERVER}store/` },
      to: { path: SERVER, pathNot: `${SERVER}store/` },
    },
    {
      name: "store-through-its-door",
      severity: "error",
      comment:
        "Outside store/, the store is used through store/index.ts only: the aggregate folders' queries, " +
        "rows and tables stay private, so they can change without touching their callers.",
      from: { path: SERVER, pathNot: `${SERVER}store/` },
      to: { path: `${SERVER}store/`, pathNot: `${SERVER}store/index\\.ts$` },
    },
    {
      name: "aggregates-do-not-compose",
      severity: "error",
      comment:
        "Only store.ts, sql-store.ts and index.ts assemble the aggregates' parts (their index.ts). Inside " +
        "the store, a folder uses another folder's leaf modules (rows, types), never its part.",
      from: { path: `${SERVER}store/`, pathNot: `${SERVER}store/(store|sql-store|index)\\.ts$` },
      to: { path: `${SERVER}store/[a-z-]+/index\\.ts$` },
    },
    {
      name: "http-is-transport",
      severity: "error",
      comment: "HTTP routes never reach into the background workers or the command line.",
      from: { path: `${SERVER}http/` },
      to: { path: `${SERVER}(workers|cli)/` },
    },
    {
      name: "workers-are-not-transport",
      severity: "error",
      comment: "Workers run without a request: they never import HTTP or CLI code.",
      from: { path: `${SERVER}workers/` },
      to: { path: `${SERVER}(http|cli)/` },
    },
    {
      name: "clients-stand-alone",
      severity: "error",
      comment:
        "The web workspace and the SDK talk to the server over HTTP only; server code in their bundle " +
        "would ship storage and secrets handling to browsers and automations.",
      from: { path: "^packages/(web|client)/src/" },
      to: { path: "^packages/server/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Type-only imports count: a cycle through types is still a cycle for the reader.
    tsPreCompilationDeps: true,
    // Resolves @loopgate/* to the workspaces' sources, as the tests do.
    tsConfig: { fileName: "tsconfig.test.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs"],
    },
    exclude: { path: "(^|/)(dist|node_modules)/" },
  },
};
