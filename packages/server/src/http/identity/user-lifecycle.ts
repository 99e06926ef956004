import { NotFound, ValidationError } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import { MAX_PASSWORD_LENGTH, verifyPassword } from "../../passwords.js";
import type { UserRecord } from "../../store/index.js";
import { newPasswordHash } from "../../users.js";
import type { AppContext } from "../context.js";
import { type AbuseLimits, DEFAULT_LIMITS } from "../limits/options.js";
import { SignInThrottle } from "../limits/sign-in-throttle.js";
import { HttpProblem } from "../problem.js";
import { problemResponses } from "../schemas.js";
import { type KeyCache, type Principal, principalOf } from "./auth.js";
import { UserViewSchema } from "./identity-schemas.js";
import { withinScope } from "./manage-scope.js";

const UserParams = Type.Object({
  user: Type.String({ minLength: 1, maxLength: 100, description: "The user's id (usr_…) or username" }),
});

const ManagedUserSchema = Type.Intersect([
  UserViewSchema,
  Type.Object({ disabledAt: Type.Union([Type.String(), Type.Null()]) }),
]);

function managedView(u: UserRecord) {
  return {
    id: u.id,
    username: u.username,
    name: u.name,
    role: u.role,
    workflows: u.workflows,
    authorityRoles: u.authorityRoles ?? [],
    disabledAt: u.disabledAt === null ? null : new Date(u.disabledAt).toISOString(),
  };
}

/**
 * The user named by `ref` if `p` is an admin who may manage them: an unscoped admin anyone; a scoped
 * admin only people scoped within its own workflows (never an unscoped admin: that would be taking
 * over the whole server). One 404 for "no such user" and "not yours", so scope hides who exists.
 */
async function manageableUser(ctx: AppContext, p: Principal, ref: string): Promise<UserRecord | undefined> {
  const user =
    (ref.startsWith("usr_") ? await ctx.store.identity.getUser(ref) : undefined) ??
    (await ctx.store.identity.findUserByUsername(ref));
  if (!user) return undefined;
  if (p.person === user.id) return user;
  return p.role === "admin" && withinScope(p, user.workflows) ? user : undefined;
}

/** POST /v1/users/:user/disable and /password (docs/api.md "Sessions and users"). */
export const userLifecycleRoutes = (
  ctx: AppContext,
  cache: KeyCache,
  limits: AbuseLimits = DEFAULT_LIMITS,
): FastifyPluginAsync => {
  return async (app) => {
    const throttle = new SignInThrottle(ctx.store, limits);
    app.post(
      "/v1/users/:user/disable",
      {
        schema: {
          summary:
            "Disable a person (admin within their workflows): they cannot sign in, their sessions and keys stop at once",
          tags: ["users"],
          params: UserParams,
          response: { 200: ManagedUserSchema, ...problemResponses },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const { user: ref } = request.params as { user: string };
        const user = p.role === "admin" ? await manageableUser(ctx, p, ref) : undefined;
        if (!user) throw new NotFound(`no user ${ref} that you may manage`);
        await ctx.store.identity.disableUser(user.id, ctx.clock());
        // Their keys were cached as working principals; look them up again.
        cache.forgetAll();
        return managedView((await ctx.store.identity.getUser(user.id)) as UserRecord);
      },
    );

    app.post(
      "/v1/users/:user/password",
      {
        schema: {
          summary:
            "Set a person's password (admin within their workflows, or the person with currentPassword); ends their sessions",
          tags: ["users"],
          params: UserParams,
          body: Type.Object(
            {
              password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }),
              currentPassword: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH })),
            },
            { additionalProperties: false },
          ),
          response: { 200: ManagedUserSchema, ...problemResponses },
        },
      },
      async (request, reply) => {
        const p = principalOf(request);
        const { user: ref } = request.params as { user: string };
        const body = request.body as { password: string; currentPassword?: string };
        const user = await manageableUser(ctx, p, ref);
        if (!user) throw new NotFound(`no user ${ref} that you may manage`);
        // Changing one's own password proves the old one: a session left open is not the password.
        if (p.person === user.id) {
          if (body.currentPassword === undefined) {
            throw new ValidationError(
              "currentPassword is required to change your own password",
              "/currentPassword",
            );
          }
          // Counted like sign-in guesses, and locked with them: else a stolen session or a key of the
          // person would be an unthrottled oracle for their password.
          await throttle.check(reply, user.username, request.ip, ctx.clock());
          if (!(await verifyPassword(user.passwordHash, body.currentPassword))) {
            await throttle.failed(user.username, request.ip, ctx.clock());
            throw new HttpProblem(403, "Forbidden", "currentPassword is wrong", {
              field: "/currentPassword",
            });
          }
          await throttle.succeeded(user.username);
        }
        await ctx.store.identity.setPasswordHash(user.id, await newPasswordHash(body.password));
        return managedView((await ctx.store.identity.getUser(user.id)) as UserRecord);
      },
    );
  };
};
