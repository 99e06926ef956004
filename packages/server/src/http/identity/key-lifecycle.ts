import { Conflict, NotFound } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import {
  DEFAULT_ROTATION_OVERLAP_SECONDS,
  keyIsLive,
  MAX_ROTATION_OVERLAP_SECONDS,
  rotateKey,
} from "../../keys.js";
import type { ApiKeyRecord, Store } from "../../store/index.js";
import type { AppContext } from "../context.js";
import { problemResponses } from "../schemas.js";
import { type KeyCache, type Principal, principalOf, requireRole } from "./auth.js";
import { withinScope } from "./manage-scope.js";

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());
const IsoOrNull = Type.Union([Type.String(), Type.Null()]);

const KeyViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.String(),
  workflows: Type.Union([Type.Array(Type.String()), Type.Null()]),
  authorityRoles: Type.Array(Type.String()),
  userId: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Literal("active"), Type.Literal("revoked"), Type.Literal("expired")]),
  createdAt: Type.String(),
  expiresAt: IsoOrNull,
  revokedAt: IsoOrNull,
  previousTokenValidUntil: Type.Union([Type.String(), Type.Null()], {
    description: "After a rotation: until when the old token still works (the overlap window)",
  }),
  bootstrap: Type.Boolean({ description: "Made from LOOPGATE_BOOTSTRAP_TOKEN; revoked once it is unset" }),
});

function keyView(k: ApiKeyRecord, now: number) {
  const status = k.revokedAt != null ? "revoked" : keyIsLive(k, now) ? "active" : "expired";
  const previousUntil = k.previousExpiresAt != null && k.previousExpiresAt > now ? k.previousExpiresAt : null;
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    workflows: k.workflows,
    authorityRoles: k.authorityRoles ?? [],
    userId: k.userId ?? null,
    status,
    createdAt: new Date(k.createdAt).toISOString(),
    expiresAt: iso(k.expiresAt),
    revokedAt: iso(k.revokedAt),
    previousTokenValidUntil: iso(previousUntil),
    bootstrap: k.bootstrap === true,
  } as const;
}

/**
 * Whether `p` may see and manage key `k`: an unscoped admin any key; a scoped admin only keys scoped
 * within its own workflows and belonging to no one reaching further (else revoking or rotating would
 * reach into other workflows, and a rotated token would act as a person outside its scope); any key
 * itself (an automation rotates or revokes its own token).
 */
async function mayManage(store: Store, p: Principal, k: ApiKeyRecord): Promise<boolean> {
  if (p.kind === "key" && p.id === k.id) return true;
  if (p.role !== "admin") return false;
  if (!withinScope(p, k.workflows)) return false;
  if (k.userId === undefined) return true;
  const owner = await store.identity.getUser(k.userId);
  return owner !== undefined && withinScope(p, owner.workflows);
}

/**
 * The key `id` if `p` may manage it. One 404 for "no such key" and "not yours to manage", so a scoped
 * admin cannot learn which key ids exist outside its workflows.
 */
async function manageableKey(ctx: AppContext, p: Principal, id: string): Promise<ApiKeyRecord> {
  const key = await ctx.store.identity.getKey(id);
  if (!key || !(await mayManage(ctx.store, p, key))) throw new NotFound(`no key ${id} that you may manage`);
  return key;
}

const KeyParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** GET /v1/keys, POST /v1/keys/:id/revoke and /rotate (docs/api.md "Keys and workflows"). */
export const keyLifecycleRoutes = (ctx: AppContext, cache: KeyCache): FastifyPluginAsync => {
  return async (app) => {
    app.get(
      "/v1/keys",
      {
        schema: {
          summary:
            "The keys this admin may manage (a scoped admin: those within its workflows); never tokens",
          tags: ["keys"],
          response: { 200: Type.Object({ keys: Type.Array(KeyViewSchema) }), ...problemResponses },
        },
      },
      async (request) => {
        const p = requireRole(request, "admin");
        const now = ctx.clock();
        const keys: ReturnType<typeof keyView>[] = [];
        for (const k of await ctx.store.identity.listKeys()) {
          if (await mayManage(ctx.store, p, k)) keys.push(keyView(k, now));
        }
        return { keys };
      },
    );

    app.post(
      "/v1/keys/:id/revoke",
      {
        schema: {
          summary: "Revoke a key at once (admin within its workflows, or the key itself). Idempotent.",
          tags: ["keys"],
          params: KeyParams,
          response: { 200: KeyViewSchema, ...problemResponses },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const { id } = request.params as { id: string };
        await manageableKey(ctx, p, id);
        const now = ctx.clock();
        await ctx.store.identity.revokeKey(id, now);
        cache.forgetAll();
        return keyView((await ctx.store.identity.getKey(id)) as ApiKeyRecord, now);
      },
    );

    app.post(
      "/v1/keys/:id/rotate",
      {
        schema: {
          summary:
            "Give a key a new token (shown once); the old one keeps working for overlapSeconds (default 3600), then not",
          tags: ["keys"],
          params: KeyParams,
          body: Type.Union([
            Type.Object(
              {
                overlapSeconds: Type.Optional(
                  Type.Integer({ minimum: 0, maximum: MAX_ROTATION_OVERLAP_SECONDS }),
                ),
              },
              { additionalProperties: false },
            ),
            Type.Null(),
          ]),
          response: {
            200: Type.Intersect([KeyViewSchema, Type.Object({ key: Type.String() })]),
            ...problemResponses,
          },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const { id } = request.params as { id: string };
        const overlap =
          (request.body as { overlapSeconds?: number } | null)?.overlapSeconds ??
          DEFAULT_ROTATION_OVERLAP_SECONDS;
        const key = await manageableKey(ctx, p, id);
        const now = ctx.clock();
        if (!keyIsLive(key, now))
          throw new Conflict(`key ${id} is ${keyView(key, now).status}; make a new one`);
        const token = await rotateKey(ctx.store, id, overlap, now);
        if (token === undefined) throw new Conflict(`key ${id} was revoked meanwhile`);
        cache.forgetAll();
        return { ...keyView((await ctx.store.identity.getKey(id)) as ApiKeyRecord, now), key: token };
      },
    );
  };
};
