import type { FastifyReply, FastifyRequest } from "fastify";
import { hashToken } from "../keys.js";
import type { ApiKeyRecord, Role, Store } from "../store/index.js";
import { HttpProblem } from "./problem.js";

export type Principal = Pick<ApiKeyRecord, "id" | "name" | "role" | "workflows">;

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
}

const CACHE_MS = 30_000;

/**
 * Resolves `Authorization: Bearer <key>` to a principal. Lookups are cached briefly: a submit should
 * not pay a database read for the key on every call.
 */
export function makeAuthenticator(store: Store, clock: () => number) {
  const cache = new Map<string, { principal: Principal; until: number }>();
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) {
      throw new HttpProblem(401, "Unauthorized", "Send an API key as `Authorization: Bearer <key>`");
    }
    const hash = hashToken(match[1]);
    const now = clock();
    const hit = cache.get(hash);
    if (hit && hit.until > now) {
      request.principal = hit.principal;
      return;
    }
    const key = await store.findKeyByTokenHash(hash);
    if (!key) throw new HttpProblem(401, "Unauthorized", "The API key is not valid");
    const principal: Principal = { id: key.id, name: key.name, role: key.role, workflows: key.workflows };
    if (cache.size > 10_000) cache.clear();
    cache.set(hash, { principal, until: now + CACHE_MS });
    request.principal = principal;
  };
}

/** The principal of an authenticated request (routes under /v1 always have one). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new HttpProblem(401, "Unauthorized", "Not authenticated");
  return request.principal;
}

/** Admin keys may do everything, so one key is enough for scripts and the quick start. */
export function requireRole(request: FastifyRequest, ...roles: Role[]): Principal {
  const p = principalOf(request);
  if (p.role !== "admin" && !roles.includes(p.role)) {
    throw new HttpProblem(
      403,
      "Forbidden",
      `This needs a key with role ${roles.join(" or ")}; this key (${p.name}) is ${p.role}`,
    );
  }
  return p;
}

export function canAccessWorkflow(p: Principal, workflow: string): boolean {
  return p.workflows === null || p.workflows.includes(workflow);
}

export function requireWorkflow(p: Principal, workflow: string): void {
  if (!canAccessWorkflow(p, workflow)) {
    throw new HttpProblem(403, "Forbidden", `This key (${p.name}) is not scoped to workflow ${workflow}`, {
      field: "/workflow",
    });
  }
}
