import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";

/**
 * Lets `app.close()` finish promptly: on close, drops the connections that never carried a request.
 *
 * Node's `server.close()` waits for every connection that is not idle, and a connection opened but not
 * yet used counts as busy until its headers timeout (a minute). Clients open such spare connections
 * routinely (browsers preconnect; fetch opens one when a stream such as /v1/stream is aborted), so a
 * shutdown would hang for no reason. Closing them loses nothing: no request was ever sent on them.
 * Connections with a request in flight are left to finish (or, for live streams, are ended by
 * workspace/stream.ts).
 */
export function closeUnusedConnectionsOnClose(app: FastifyInstance): void {
  const unused = new Set<Socket>();
  app.server.on("connection", (socket: Socket) => {
    unused.add(socket);
    socket.once("close", () => unused.delete(socket));
  });
  app.server.on("request", (request: { socket: Socket }) => {
    unused.delete(request.socket);
  });
  app.addHook("preClose", async () => {
    for (const socket of unused) socket.destroy();
    unused.clear();
  });
}
