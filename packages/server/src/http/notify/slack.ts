import { randomUUID } from "node:crypto";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import { Value } from "typebox/value";
import { caseLink } from "../../notify/config.js";
import { APPROVE_ACTION, decidedMessage, ephemeral, REJECT_ACTION } from "../../notify/slack-messages.js";
import { slackRequestRefusal } from "../../notify/slack-signature.js";
import { summarise } from "../../notify/summary.js";
import type { AppContext } from "../context.js";
import { HttpProblem, problemOf } from "../problem.js";
import { decideAsPerson } from "./decide.js";

/** The part of Slack's `block_actions` payload we read (https://api.slack.com/reference/interaction-payloads/block-actions). */
const BlockActions = Type.Object({
  type: Type.Literal("block_actions"),
  user: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
  response_url: Type.String({ minLength: 1, maxLength: 2000 }),
  actions: Type.Array(
    Type.Object({
      action_id: Type.String(),
      value: Type.Optional(Type.String({ maxLength: 200 })),
      selected_option: Type.Optional(Type.Object({ value: Type.String({ maxLength: 200 }) })),
    }),
    { minItems: 1 },
  ),
});
type BlockActions = Type.Static<typeof BlockActions>;

/** What a click asks: approve the case, or reject it with the reason picked in the menu. */
function askedOf(action: BlockActions["actions"][number]) {
  if (action.action_id === APPROVE_ACTION && action.value)
    return { caseId: action.value, verdict: "approve" as const };
  const picked = action.selected_option?.value.split(" ");
  if (action.action_id === REJECT_ACTION && picked?.length === 2) {
    return { caseId: picked[0] as string, verdict: "reject" as const, reasonCode: picked[1] as string };
  }
  return undefined;
}

/**
 * Slack's interactivity endpoint. Answers at once (Slack gives up after 3 s): what it tells the person
 * goes out through the notification outbox to the interaction's response_url, from the worker. A click
 * decides only when the request is signed by our Slack app (and fresh), the Slack user is mapped to a
 * Loopgate user, and that person may decide the case by every rule of the decisions route.
 */
export const slackRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    // Encapsulated: only this plugin's route reads form bodies, and it needs them raw to check the signature.
    app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) =>
      done(null, body),
    );
    app.post(
      "/v1/integrations/slack/interactions",
      {
        config: { skipAuth: true },
        schema: {
          summary: "Slack interactivity: Approve/Reject clicks on a notification (signed by the Slack app)",
          tags: ["notifications"],
          response: { 200: Type.Null() },
        },
      },
      async (request, reply) => {
        const secret = ctx.notify?.slackSigningSecret;
        if (!secret)
          throw new HttpProblem(404, "Not found", "Slack interactions are not configured on this server");
        const raw = typeof request.body === "string" ? request.body : "";
        const header = (name: string) => {
          const v = request.headers[name];
          return typeof v === "string" ? v : undefined;
        };
        const refused = slackRequestRefusal(
          secret,
          header("x-slack-request-timestamp"),
          header("x-slack-signature"),
          raw,
          ctx.clock(),
        );
        if (refused) throw new HttpProblem(401, "Unauthorized", refused);
        let payload: unknown;
        try {
          payload = JSON.parse(new URLSearchParams(raw).get("payload") ?? "");
        } catch {
          throw new HttpProblem(400, "Bad request", "payload must be JSON", { field: "/payload" });
        }
        if (!Value.Check(BlockActions, payload)) {
          throw new HttpProblem(400, "Bad request", "payload is not a block_actions interaction", {
            field: "/payload",
          });
        }
        const action = payload.actions[0] as BlockActions["actions"][number];
        const asked = askedOf(action);
        if (!asked)
          throw new HttpProblem(400, "Bad request", `unknown action ${action.action_id}`, {
            field: "/payload",
          });
        const answer = await respond(ctx, payload, asked);
        const c = await ctx.store.cases.get(asked.caseId);
        await ctx.store.notify.addReply({
          id: `ntf_${randomUUID()}`,
          workflow: c?.workflow ?? "",
          caseId: asked.caseId,
          target: payload.response_url,
          body: JSON.stringify(answer),
          now: ctx.clock(),
        });
        ctx.onNotify?.();
        return reply.code(200).send();
      },
    );
  };
};

/** What the person sees after their click: the updated message, or a refusal only they see. */
async function respond(
  ctx: AppContext,
  payload: BlockActions,
  asked: NonNullable<ReturnType<typeof askedOf>>,
): Promise<object> {
  const userId = await ctx.store.notify.userFor("slack", payload.user.id);
  if (userId === undefined) {
    return ephemeral(
      "Your Slack account is not linked to a Loopgate user, so this click decided nothing. An admin can link it: loopgate notify map --slack YOUR_SLACK_ID --user USERNAME",
    );
  }
  try {
    const { verdict, caseId, reasonCode } = { reasonCode: undefined, ...asked };
    const user = await ctx.store.identity.getUser(userId);
    const { person, decision } = await decideAsPerson(ctx, user, caseId, {
      verdict,
      ...(reasonCode && { reasonCode }),
    });
    const done =
      verdict === "approve" ? `Approved by ${person.name}` : `Rejected by ${person.name} (${reasonCode})`;
    if ("approvals" in decision && decision.approvals) {
      const { count, needed } = decision.approvals;
      return {
        response_type: "in_channel",
        replace_original: false,
        text: `${done}: ${count} of ${needed} approvals; another person must approve case ${caseId}`,
      };
    }
    const c = await ctx.store.cases.get(caseId);
    const link = caseLink(ctx.notify?.publicUrl ?? "", caseId);
    return c ? decidedMessage(summarise(c), link, done) : { replace_original: false, text: done };
  } catch (err) {
    const problem = problemOf(err);
    if (!problem) throw err;
    return ephemeral(`Not decided: ${problem.detail}`);
  }
}
