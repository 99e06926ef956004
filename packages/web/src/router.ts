import { useEffect, useState } from "react";

/** Client-side routes: `/`, `/signin`, `/cases/:id`, `/dashboard`. The server answers index.html for each. */

const EVENT = "loopgate:navigate";

export function navigate(path: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) window.history.replaceState(null, "", path);
  else window.history.pushState(null, "", path);
  window.dispatchEvent(new Event(EVENT));
}

export function usePath(): string {
  const [path, setPath] = useState(() => window.location.pathname);
  useEffect(() => {
    const update = () => setPath(window.location.pathname);
    window.addEventListener("popstate", update);
    window.addEventListener(EVENT, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(EVENT, update);
    };
  }, []);
  return path;
}

export type Route =
  | { page: "signin" }
  | { page: "queue" }
  | { page: "dashboard" }
  | { page: "case"; id: string };

export function parseRoute(path: string): Route {
  if (path === "/signin") return { page: "signin" };
  if (path === "/dashboard" || path === "/dashboard/") return { page: "dashboard" };
  const m = /^\/cases\/([^/]+)\/?$/.exec(path);
  if (m?.[1]) return { page: "case", id: decodeURIComponent(m[1]) };
  return { page: "queue" };
}
