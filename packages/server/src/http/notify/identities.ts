import { NotFound, ValidationError } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import { NOTIFY_CHANNELS, type NotifyChannel } from "../../store/index.js";
import type { AppContext } from "../context.js";
import { requireRole } from "../identity/auth.js";
import { problemResponses } from "../schemas.js";

const Channel = Type.Union(NOTIFY_CHANNELS.map((c) => Type.Literal(c)));
const Params = Type.Object({ channel: Channel, externalId: Type.String({ minLength: 1, maxLength: 320 }) });
const MapBody = Type.Object(
  { user: Type.String({ minLength: 1, maxLength: 200, description: "A user id (usr_…) or username" }) },
  { additionalProperties: false },
);
const Identity = Type.Object({
  channel: Channel,
  externalId: Type.String(),
  userId: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String({ format: "date-time" }),
});

const view = (i: {
  channel: NotifyChannel;
  externalId: string;
  userId: string;
  createdBy: string;
  createdAt: number;
}) => ({
  ...i,
  createdAt: new Date(i.createdAt).toISOString(),
});

/**
 * Admin: who a Slack user id or an email address is in Loopgate. Only a mapped person's click or link
 * can decide, and with their own account's role, scope and authority.
 */
export const identityRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.get(
      "/v1/notify/identities",
      {
        schema: {
          summary: "Slack users and email addresses mapped to Loopgate users (admin)",
          tags: ["notifications"],
          response: { 200: Type.Object({ identities: Type.Array(Identity) }), ...problemResponses },
        },
      },
      async (request) => {
        requireRole(request, "admin");
        return { identities: (await ctx.store.notify.listIdentities()).map(view) };
      },
    );

    app.put(
      "/v1/notify/identities/:channel/:externalId",
      {
        schema: {
          summary: "Map a Slack user id or an email address to a Loopgate user (admin)",
          tags: ["notifications"],
          params: Params,
          body: MapBody,
          response: { 200: Identity, ...problemResponses },
        },
      },
      async (request) => {
        const p = requireRole(request, "admin");
        const { channel, externalId } = request.params as { channel: NotifyChannel; externalId: string };
        const { user: who } = request.body as { user: string };
        const user = who.startsWith("usr_")
          ? await ctx.store.identity.getUser(who)
          : await ctx.store.identity.findUserByUsername(who);
        if (!user || user.disabledAt !== null) throw new ValidationError(`no active user ${who}`, "/user");
        const mapped = await ctx.store.notify.mapIdentity({
          channel,
          externalId,
          userId: user.id,
          createdBy: p.id,
          now: ctx.clock(),
        });
        return view(mapped);
      },
    );

    app.delete(
      "/v1/notify/identities/:channel/:externalId",
      {
        schema: {
          summary: "Unmap a Slack user id or an email address (admin); its email links stop working",
          tags: ["notifications"],
          params: Params,
          response: { 204: Type.Null(), ...problemResponses },
        },
      },
      async (request, reply) => {
        requireRole(request, "admin");
        const { channel, externalId } = request.params as { channel: NotifyChannel; externalId: string };
        if (!(await ctx.store.notify.unmapIdentity(channel, externalId))) {
          throw new NotFound(`no ${channel} identity ${externalId}`);
        }
        return reply.code(204).send();
      },
    );
  };
};
