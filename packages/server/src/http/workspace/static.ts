import { statSync } from "node:fs";
import { relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { HttpProblem } from "../problem.js";

/** The built workspace (`npm run build` in packages/web), found from this file in src/ and in dist/. */
const DEFAULT_WEB_DIR = fileURLToPath(new URL("../../../../web/dist", import.meta.url));

/** Vite puts content-hashed files here: a new build never reuses a name, so they can be cached forever. */
const IMMUTABLE = "public, max-age=31536000, immutable";
/** Everything else (index.html above all) is revalidated, so a new build is seen at the next load. */
const REVALIDATE = "no-cache";

/** Paths the API owns; they never fall back to the workspace page. */
const API_PATH = /^\/(v1|healthz|openapi\.json)(\/|$)/;

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The reviewer workspace at `/`: files from the web build, and `index.html` for any other GET that is
 * not an API path and does not name a file (client-side routes such as /cases/:id). The directory is
 * looked at on each request, so building the web app while the server runs needs no restart.
 * A missing file with an extension (a stale /assets/… link) is a 404, not the page: a script tag
 * handed HTML fails in confusing ways.
 */
export function staticRoutes(webDir: string = DEFAULT_WEB_DIR): FastifyPluginAsync {
  const root = resolve(webDir);
  return async (app) => {
    // Only for reply.sendFile: send's path checks (traversal, dotfiles, ranges, ETag). The route below
    // decides what to serve.
    await app.register(fastifyStatic, { root, serve: false, decorateReply: true, suppressWarning: true });

    const send = (reply: FastifyReply, file: string, cacheControl: string) => {
      reply.header("cache-control", cacheControl);
      // The workspace has approve buttons: no other site may frame it (clickjacking).
      reply.header("x-frame-options", "DENY");
      reply.header("content-security-policy", "frame-ancestors 'none'");
      reply.header("x-content-type-options", "nosniff");
      reply.header("referrer-policy", "same-origin");
      return reply.sendFile(relative(root, file).split(sep).join("/"), root, { cacheControl: false });
    };

    app.get("/*", { schema: { hide: true } }, async (request, reply) => {
      const pathname = request.url.split("?")[0] ?? "/";
      if (API_PATH.test(pathname)) return reply.callNotFound();
      let decoded: string;
      try {
        decoded = decodeURIComponent(pathname);
      } catch {
        return reply.callNotFound();
      }
      if (decoded !== "/") {
        const file = resolve(root, `.${decoded}`);
        // Dotfiles (.env, .git) and ".." never leave the directory, whatever the build put there.
        const hidden = decoded.split("/").some((segment) => segment.startsWith("."));
        const inside = file.startsWith(root + sep) && !hidden && !decoded.includes("\0");
        if (inside && isFile(file)) {
          return send(reply, file, decoded.startsWith("/assets/") ? IMMUTABLE : REVALIDATE);
        }
        const last = decoded.slice(decoded.lastIndexOf("/") + 1);
        if (!inside || last.includes(".") || decoded.startsWith("/assets/")) return reply.callNotFound();
      }
      const index = resolve(root, "index.html");
      if (!isFile(index)) {
        throw new HttpProblem(503, "Service unavailable", "the workspace is not built: run npm run build");
      }
      return send(reply, index, REVALIDATE);
    });
  };
}
