// One Loopgate server in a process of its own, for the tests that need several processes sharing one
// PostgreSQL schema (api/multi-process.test.ts): they share nothing else, as separate `loopgate serve`
// processes would. It runs the built server (dist) with the ServerConfig given as JSON in argv[2], tells
// its parent the URL over IPC, and closes on SIGTERM.
import pino from "pino";
import { startServer } from "../../dist/server.js";

const config = JSON.parse(process.argv[2]);
const server = await startServer({
  ...config,
  logger: pino({ level: process.env.LOG_LEVEL ?? "silent" }),
  // Never mix catch trials or overlap copies in, so queues hold exactly what a test submits.
  random: () => 0.999999,
});
process.send?.({ url: server.url });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once("SIGTERM", stop);
// The test process went away without stopping us (killed, crashed): do not outlive it.
process.once("disconnect", stop);
