import { randomBytes } from "node:crypto";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { hashToken, tokenValidUntil } from "../../keys.js";
import { ownerIs } from "../../owners.js";
import { prepareDummyHash, verifyPassword } from "../../passwords.js";
import type { UserRole } from "../../store/index.js";
import { createUser } from "../../users.js";
import type { AppContext } from "../context.js";
import { type AbuseLimits, DEFAULT_LIMITS } from "../limits/options.js";
import { SignInThrottle } from "../limits/sign-in-throttle.js";
import { HttpProblem } from "../problem.js";
import { problemResponses } from "../schemas.js";
import {
  canAccessWorkflow,
  csrfTokenFor,
  keyPrincipal,
  type Principal,
  requireCsrf,
  requireRole,
  SESSION_COOKIE,
  sessionPrincipal,
  userPrincipal,
} from "./auth.js";
import {
  CreateUserRequestSchema,
  SessionResponseSchema,
  SignInRequestSchema,
  UserViewSchema,
} from "./identity-schemas.js";
import { requireGrant } from "./reach.js";

/** Sessions last 12 hours from sign-in (a working day), then the person signs in again. */
const SESSION_SECONDS = 12 * 60 * 60;
const WRONG_CREDENTIALS = "Wrong username or password";

interface SignInBody {
  username?: string;
  password?: string;
  apiKey?: string;
}

/**
 * Browser sessions for the workspace (POST/GET/DELETE /v1/session) and people (POST /v1/users). The
 * session routes authenticate themselves (`skipAuth`): signing in cannot require being signed in, and
 * signing out should work even when the session has already expired.
 */
export const sessionRoutes = (
  ctx: AppContext,
  secret: string,
  limits: AbuseLimits = DEFAULT_LIMITS,
): FastifyPluginAsync => {
  return async (app) => {
    prepareDummyHash();
    const throttle = new SignInThrottle(ctx.store, limits);
    app.post(
      "/v1/session",
      {
        config: { skipAuth: true },
        schema: {
          summary: "Sign in with {username, password} or {apiKey}: sets the session cookie",
          tags: ["session"],
          security: [],
          body: SignInRequestSchema,
          response: { 200: SessionResponseSchema, ...problemResponses },
        },
      },
      async (request, reply) => {
        const principal = await signIn(ctx, request.body as SignInBody, throttle, reply, request.ip);
        const now = ctx.clock();
        // A previous session in this browser ends here: one browser, one live session.
        const previous = request.cookies[SESSION_COOKIE];
        if (previous) await ctx.store.identity.deleteSession(hashToken(previous));
        // Expired rows would otherwise pile up; sign-in is rare enough to pay for the sweep (indexed).
        await ctx.store.identity.deleteExpiredSessions(now);

        const cookie = randomBytes(32).toString("base64url");
        const idHash = hashToken(cookie);
        await ctx.store.identity.insertSession({
          id: idHash,
          userId: principal.kind === "user" ? principal.id : null,
          keyId: principal.kind === "key" ? principal.id : null,
          createdAt: now,
          expiresAt: now + SESSION_SECONDS * 1000,
        });
        reply.setCookie(SESSION_COOKIE, cookie, { ...cookieOptions(request), maxAge: SESSION_SECONDS });
        // The CSRF token is a per-session secret: no cache may keep a copy.
        reply.header("cache-control", "no-store");
        return { user: userView(ctx, principal), csrfToken: csrfTokenFor(secret, idHash) };
      },
    );

    app.get(
      "/v1/session",
      {
        config: { skipAuth: true },
        schema: {
          summary: "Who is signed in, and the CSRF token to send on non-GET requests (401 when nobody)",
          tags: ["session"],
          response: { 200: SessionResponseSchema, ...problemResponses },
        },
      },
      async (request, reply) => {
        const cookie = request.cookies[SESSION_COOKIE];
        const found = cookie ? await sessionPrincipal(ctx.store, cookie, ctx.clock()) : undefined;
        if (!found) throw new HttpProblem(401, "Unauthorized", "Not signed in");
        reply.header("cache-control", "no-store");
        return { user: userView(ctx, found.principal), csrfToken: csrfTokenFor(secret, found.idHash) };
      },
    );

    app.delete(
      "/v1/session",
      {
        config: { skipAuth: true },
        schema: {
          summary: "Sign out: ends the session and clears the cookie",
          tags: ["session"],
          response: { 204: Type.Null(), ...problemResponses },
        },
      },
      async (request, reply) => {
        const cookie = request.cookies[SESSION_COOKIE];
        const found = cookie ? await sessionPrincipal(ctx.store, cookie, ctx.clock()) : undefined;
        // A live session is only ended by its own page; a dead one just has its cookie cleared.
        if (found) {
          requireCsrf(request, secret, found.idHash);
          await ctx.store.identity.deleteSession(found.idHash);
        } else if (cookie) {
          await ctx.store.identity.deleteSession(hashToken(cookie));
        }
        reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
        return reply.code(204).send();
      },
    );

    app.post(
      "/v1/users",
      {
        schema: {
          summary:
            "Create a person who signs in to the workspace (admin), within the creator's role and workflows. Only a scrypt hash is stored.",
          tags: ["users"],
          body: CreateUserRequestSchema,
          response: { 201: UserViewSchema, ...problemResponses },
        },
      },
      async (request, reply) => {
        const p = requireRole(request, "admin");
        const body = request.body as {
          username: string;
          password: string;
          role: UserRole;
          name?: string;
          workflows?: string[];
          authorityRoles?: string[];
        };
        requireGrant(ctx, p, body);
        const user = await createUser(ctx.store, { ...body, now: ctx.clock() });
        return reply.code(201).send({
          id: user.id,
          username: user.username,
          name: user.name,
          role: user.role,
          workflows: user.workflows,
          authorityRoles: user.authorityRoles ?? [],
        });
      },
    );
  };
};

/** Checks the credentials; the same 401 for an unknown user and a wrong password, after the same work. */
async function signIn(
  ctx: AppContext,
  body: SignInBody,
  throttle: SignInThrottle,
  reply: FastifyReply,
  address: string,
): Promise<Principal> {
  // Checked before any password: during a lock even the right one is refused, so guessing stops.
  await throttle.check(reply, body.apiKey === undefined ? body.username : undefined, address, ctx.clock());
  if (body.apiKey !== undefined) {
    if (body.username !== undefined || body.password !== undefined) {
      throw badRequest("send either {username, password} or {apiKey}, not both", "/apiKey");
    }
    const hash = hashToken(body.apiKey);
    const key = await ctx.store.identity.findKeyByTokenHash(hash);
    const now = ctx.clock();
    const principal =
      key && tokenValidUntil(key, hash, now) !== undefined
        ? await keyPrincipal(ctx.store, key, now)
        : undefined;
    if (!principal) {
      await throttle.failed(undefined, address, now);
      throw new HttpProblem(401, "Unauthorized", "The API key is not valid");
    }
    if (principal.role === "automation") {
      throw new HttpProblem(
        403,
        "Forbidden",
        "An automation key cannot open a workspace session; use a reviewer, admin or auditor key",
      );
    }
    return principal;
  }
  if (body.username === undefined) throw badRequest("username is required (or send apiKey)", "/username");
  if (body.password === undefined) throw badRequest("password is required", "/password");
  const user = await ctx.store.identity.findUserByUsername(body.username);
  // Always one scrypt, even for an unknown user (verifyPassword uses a dummy hash then).
  const ok = await verifyPassword(user?.passwordHash, body.password);
  if (!user || !ok || user.disabledAt !== null) {
    await throttle.failed(body.username, address, ctx.clock());
    throw new HttpProblem(401, "Unauthorized", WRONG_CREDENTIALS);
  }
  await throttle.succeeded(body.username);
  return userPrincipal(user);
}

function badRequest(detail: string, field: string): HttpProblem {
  return new HttpProblem(400, "Bad request", detail, { field, errors: [{ field, message: detail }] });
}

function userView(ctx: AppContext, p: Principal) {
  // The owner's inbox (issue 15, item 6): the workspace offers the dashboard to owners of any role.
  const owns = [...ctx.policies().workflows.values()]
    .filter((wf) => p.username !== null && ownerIs(wf, p.username) && canAccessWorkflow(p, wf.workflow))
    .map((wf) => wf.workflow)
    .sort();
  return { id: p.id, name: p.name, role: p.role, workflows: p.workflows, owns };
}

/**
 * HttpOnly: page scripts never see the cookie. SameSite=Strict: other sites' pages cannot make the
 * browser send it. Secure over https; behind a TLS-terminating proxy the forwarded protocol counts too
 * (trusting that header is safe here: it can only make the cookie stricter).
 */
function cookieOptions(request: FastifyRequest) {
  const forwarded = request.headers["x-forwarded-proto"];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
  return {
    path: "/",
    httpOnly: true,
    sameSite: "strict" as const,
    secure: request.protocol === "https" || proto === "https",
  };
}
