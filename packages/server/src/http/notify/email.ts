import { VERDICTS, type Verdict } from "@loopgate/core";
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { Type } from "typebox";
import { caseLink } from "../../notify/config.js";
import { summarise } from "../../notify/summary.js";
import { hashToken } from "../../notify/tokens.js";
import type { NotifyToken, UserRecord } from "../../store/index.js";
import type { AppContext } from "../context.js";
import { problemOf } from "../problem.js";
import { decideAsPerson } from "./decide.js";
import { confirmPage, resultPage } from "./email-page.js";

const Params = Type.Object({
  caseId: Type.String({ minLength: 1, maxLength: 100 }),
  token: Type.String({ minLength: 20, maxLength: 100, pattern: "^[A-Za-z0-9_-]+$" }),
});

/** The form a confirmation page posts (form-encoded; validated like every body). */
const DecideForm = Type.Object(
  {
    verdict: Type.Union(
      VERDICTS.filter((v) => v === "approve" || v === "reject").map((v) => Type.Literal(v)),
    ),
    reasonCode: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

/** A link that works no longer, or never did; the same words whatever the reason, so none is revealed. */
const INVALID = "This link is not valid: it was used already, it has expired, or it is not for this case.";

/**
 * The email link's confirmation page (issue 14, item 5). Mail scanners and link previews follow every
 * GET (and HEAD) in a message, so a GET only renders; the page's POST decides. The token in the link is
 * single use, expires, and is bound to the case and to the person its address was mapped to when it
 * was sent: it stops working if an admin maps that address to someone else or unmaps it.
 */
export const emailRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string" },
      (_req, body, done) => {
        const fields: Record<string, string> = {};
        for (const [k, v] of new URLSearchParams(body as string)) if (v !== "") fields[k] = v;
        done(null, fields);
      },
    );
    const path = "/v1/notify/email/:caseId/:token";

    app.get(
      path,
      { config: { skipAuth: true }, schema: { hide: true, params: Params } },
      async (request, reply) => {
        const { caseId, token } = request.params as { caseId: string; token: string };
        const found = await usableToken(ctx, caseId, token);
        if (!found) return html(reply, 410, resultPage("Link not valid", INVALID));
        const c = await ctx.store.cases.get(caseId);
        const wf = c && ctx.policies().workflows.get(c.workflow);
        const link = caseLink(ctx.notify?.publicUrl ?? "", caseId);
        if (!c || !wf || c.status === "decided") {
          return html(reply, 409, resultPage("Already decided", `Case ${caseId} is already decided.`, link));
        }
        return html(reply, 200, confirmPage(summarise(c), found.user.name, wf.reasons, link));
      },
    );

    app.post(
      path,
      { config: { skipAuth: true }, schema: { hide: true, params: Params, body: DecideForm } },
      async (request, reply) => {
        const { caseId, token } = request.params as { caseId: string; token: string };
        const body = request.body as { verdict: Verdict; reasonCode?: string; note?: string };
        const found = await usableToken(ctx, caseId, token);
        // Spent before deciding, in one statement: of two POSTs with the same link, one goes on.
        if (!found || !(await ctx.store.notify.useToken(hashToken(token), ctx.clock()))) {
          return html(reply, 410, resultPage("Link not valid", INVALID));
        }
        const link = caseLink(ctx.notify?.publicUrl ?? "", caseId);
        try {
          const { person, decision } = await decideAsPerson(ctx, found.user, caseId, body);
          const done = `${body.verdict === "approve" ? "Approved" : "Rejected"} by ${person.name}`;
          const more =
            "approvals" in decision && decision.approvals
              ? ` (${decision.approvals.count} of ${decision.approvals.needed} approvals: another person must approve)`
              : "";
          return html(reply, 201, resultPage(done, `${done}${more}.`, link));
        } catch (err) {
          const problem = problemOf(err);
          if (!problem) throw err;
          return html(reply, problem.status, resultPage("Not decided", problem.detail, link));
        }
      },
    );
  };
};

/**
 * The token's record and its person when the token may still decide this case: known, for this case,
 * unused, unexpired, and its address still mapped to the same active user.
 */
async function usableToken(
  ctx: AppContext,
  caseId: string,
  token: string,
): Promise<{ token: NotifyToken; user: UserRecord } | undefined> {
  const t = await ctx.store.notify.findToken(hashToken(token));
  if (!t || t.caseId !== caseId || t.usedAt !== null || t.expiresAt <= ctx.clock()) return undefined;
  if ((await ctx.store.notify.userFor("email", t.address)) !== t.userId) return undefined;
  const user = await ctx.store.identity.getUser(t.userId);
  if (!user || user.disabledAt !== null) return undefined;
  return { token: t, user };
}

function html(reply: FastifyReply, status: number, body: string) {
  // The token is in the address: keep it out of caches and of the Referer sent to the workspace link.
  return reply
    .code(status)
    .header("referrer-policy", "no-referrer")
    .type("text/html; charset=utf-8")
    .send(body);
}
