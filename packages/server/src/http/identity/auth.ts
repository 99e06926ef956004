import { createHmac, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { hashToken, keyIsLive, tokenValidUntil } from "../../keys.js";
import type { ApiKeyRecord, Role, Store, UserRecord } from "../../store/index.js";
import { HttpProblem } from "../problem.js";

/**
 * Who is calling: an API key, or a person signed in with a password. Both carry the same fields, so
 * every route checks roles and workflow scope the same way; `id` (key_… or usr_…) is what decisions
 * and events record.
 */
export interface Principal {
  kind: "key" | "user";
  id: string;
  name: string;
  role: Role;
  /** null = every workflow. */
  workflows: string[] | null;
  /** Authority roles for policies' `review.authority` rules (review/review-rules.ts). */
  authorityRoles: string[];
  /**
   * The person acting: a user's own id, the owning user's id for a key that belongs to one, else the
   * key's id. Four-eyes, "never the submitter" and overlap independence count persons, not principals.
   */
  person: string;
  /** That person's username (ownership.ts matches it with a policy's `owner`); null for a key of no one. */
  username: string | null;
}

export const SESSION_COOKIE = "loopgate_session";
const CSRF_HEADER = "x-csrf-token";

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
    /** Set when the request was authenticated by the session cookie: the session's id (sha256). */
    sessionIdHash?: string;
  }
  interface FastifyContextConfig {
    /** The route does its own authentication (signing in cannot require being signed in). */
    skipAuth?: boolean;
  }
}

/**
 * How long a process trusts a key it has looked up. Revoking, rotating or disabling through this
 * process's API forgets every entry at once (`KeyCache.forgetAll`); a change made elsewhere (another
 * process on the same PostgreSQL, or the CLI beside a running server) reaches this process within this
 * bound. Short, because it is the whole window in which a revoked key still works there; long enough
 * that a busy automation's submits do not each pay a read for the key.
 */
export const KEY_CACHE_MS = 5_000;

/** The authenticator's memory of recently seen tokens, shared with the routes that revoke keys. */
export class KeyCache {
  readonly #entries = new Map<string, { principal: Principal; until: number }>();
  #generation = 0;

  /** Take it before reading a key from the store, and give it to `set`. */
  get generation(): number {
    return this.#generation;
  }

  get(tokenHash: string, now: number): Principal | undefined {
    const hit = this.#entries.get(tokenHash);
    return hit && hit.until > now ? hit.principal : undefined;
  }

  /**
   * Keeps what a lookup found, unless `forgetAll` ran since it began (`generation` moved): a lookup that
   * read the key just before a revocation committed must not cache it past the revocation.
   */
  set(tokenHash: string, principal: Principal, until: number, generation: number): void {
    if (generation !== this.#generation) return;
    if (this.#entries.size > 10_000) this.#entries.clear();
    this.#entries.set(tokenHash, { principal, until });
  }

  /** After a revocation, rotation, expiry change or disabled user: every key is looked up again. */
  forgetAll(): void {
    this.#generation++;
    this.#entries.clear();
  }
}

/** A key as a principal; `owner` is the user it belongs to (key.userId), loaded by `keyPrincipal`. */
function principalOfKey(key: ApiKeyRecord, owner: UserRecord | undefined): Principal {
  const { id, name, role, workflows } = key;
  return {
    kind: "key",
    id,
    name,
    role,
    workflows,
    authorityRoles: key.authorityRoles ?? [],
    person: owner?.id ?? id,
    username: owner?.username ?? null,
  };
}

/**
 * The principal of a key, or undefined when the key is revoked or expired, or belongs to a user who is
 * gone or disabled: a person's keys stop working with the person.
 */
export async function keyPrincipal(
  store: Store,
  key: ApiKeyRecord,
  now: number,
): Promise<Principal | undefined> {
  if (!keyIsLive(key, now)) return undefined;
  if (key.userId === undefined) return principalOfKey(key, undefined);
  const owner = await store.identity.getUser(key.userId);
  return owner && owner.disabledAt === null ? principalOfKey(key, owner) : undefined;
}

export function userPrincipal(user: UserRecord): Principal {
  const { id, name, role, workflows } = user;
  return {
    kind: "user",
    id,
    name,
    role,
    workflows,
    authorityRoles: user.authorityRoles ?? [],
    person: id,
    username: user.username,
  };
}

/**
 * The CSRF token of a session: an HMAC of its id, so nothing more needs storing and it cannot be
 * computed without the server secret. A page on another site cannot read it, so it cannot forge a
 * state-changing request even if the browser were to send the cookie along.
 */
export function csrfTokenFor(secret: string, sessionIdHash: string): string {
  return createHmac("sha256", secret).update(`csrf:${sessionIdHash}`).digest("base64url");
}

function csrfMatches(secret: string, sessionIdHash: string, sent: unknown): boolean {
  if (typeof sent !== "string") return false;
  const expected = Buffer.from(csrfTokenFor(secret, sessionIdHash));
  const given = Buffer.from(sent);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The principal behind a session cookie value, or undefined when the session is unknown or expired, or
 * its user was disabled or its key is gone. Read on every request (no cache), so signing out or
 * disabling a user takes effect at once in every process.
 */
export async function sessionPrincipal(
  store: Store,
  cookieValue: string,
  now: number,
): Promise<{ idHash: string; principal: Principal } | undefined> {
  const idHash = hashToken(cookieValue);
  const session = await store.identity.findSession(idHash, now);
  if (!session) return undefined;
  if (session.userId !== null) {
    const user = await store.identity.getUser(session.userId);
    if (!user || user.disabledAt !== null) return undefined;
    return { idHash, principal: userPrincipal(user) };
  }
  const key = session.keyId === null ? undefined : await store.identity.getKey(session.keyId);
  const principal = key && (await keyPrincipal(store, key, now));
  return principal && { idHash, principal };
}

/** Whether a request must prove it came from our own page: everything that may change state. */
function needsCsrf(method: string): boolean {
  return method !== "GET" && method !== "HEAD";
}

/** 403 unless the request carries the session's CSRF token. */
export function requireCsrf(request: FastifyRequest, secret: string, sessionIdHash: string): void {
  if (needsCsrf(request.method) && !csrfMatches(secret, sessionIdHash, request.headers[CSRF_HEADER])) {
    throw new HttpProblem(403, "Forbidden", `missing or wrong CSRF token (send the ${CSRF_HEADER} header)`);
  }
}

/**
 * Resolves `Authorization: Bearer <key>`, or else the session cookie, to a principal. A bearer header
 * wins when both are present (browsers never add one on their own, so it needs no CSRF check). Key
 * lookups are cached briefly: a submit should not pay a database read for the key on every call.
 */
export function makeAuthenticator(
  store: Store,
  clock: () => number,
  secret: string,
  cache: KeyCache = new KeyCache(),
) {
  async function fromBearer(request: FastifyRequest, header: string): Promise<void> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      throw new HttpProblem(401, "Unauthorized", "Send an API key as `Authorization: Bearer <key>`");
    }
    const hash = hashToken(match[1]);
    const now = clock();
    const hit = cache.get(hash, now);
    if (hit) {
      request.principal = hit;
      return;
    }
    const generation = cache.generation;
    const key = await store.identity.findKeyByTokenHash(hash);
    const validUntil = key && tokenValidUntil(key, hash, now);
    const principal = validUntil !== undefined && key ? await keyPrincipal(store, key, now) : undefined;
    if (!principal || validUntil === undefined) {
      throw new HttpProblem(401, "Unauthorized", "The API key is not valid");
    }
    // Never past the token's own end (expiry, or an old token's overlap window).
    cache.set(hash, principal, Math.min(now + KEY_CACHE_MS, validUntil), generation);
    request.principal = principal;
  }

  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    if (request.routeOptions.config?.skipAuth) return;
    const header = request.headers.authorization;
    if (header) return fromBearer(request, header);
    const cookie = request.cookies?.[SESSION_COOKIE];
    if (!cookie) {
      throw new HttpProblem(
        401,
        "Unauthorized",
        "Send an API key as `Authorization: Bearer <key>`, or sign in (POST /v1/session)",
      );
    }
    const found = await sessionPrincipal(store, cookie, clock());
    if (!found) throw new HttpProblem(401, "Unauthorized", "Your session has ended; sign in again");
    requireCsrf(request, secret, found.idHash);
    request.principal = found.principal;
    request.sessionIdHash = found.idHash;
  };
}

/** The principal of an authenticated request (routes under /v1 always have one). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new HttpProblem(401, "Unauthorized", "Not authenticated");
  return request.principal;
}

/** "user Ada" or "key (ops-bot)": how refusals name the caller. */
export const principalLabel = (p: Principal) => (p.kind === "user" ? `user ${p.name}` : `key (${p.name})`);

/** Admin keys may do everything, so one key is enough for scripts and the quick start. */
export function requireRole(request: FastifyRequest, ...roles: Role[]): Principal {
  const p = principalOf(request);
  if (p.role !== "admin" && !roles.includes(p.role)) {
    throw new HttpProblem(
      403,
      "Forbidden",
      `This needs the ${roles.join(" or ")} role; this ${principalLabel(p)} is ${p.role}`,
    );
  }
  return p;
}

export function canAccessWorkflow(p: Principal, workflow: string): boolean {
  return p.workflows === null || p.workflows.includes(workflow);
}

export function requireWorkflow(p: Principal, workflow: string): void {
  if (!canAccessWorkflow(p, workflow)) {
    throw new HttpProblem(
      403,
      "Forbidden",
      `This ${principalLabel(p)} is not scoped to workflow ${workflow}`,
      {
        field: "/workflow",
      },
    );
  }
}
