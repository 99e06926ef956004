import { type CaseSubmission, Conflict, classSettings, evaluatePolicy, inBlindSample } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import { canonicalJson, sha256Hex } from "../../canonical-json.js";
import { timeOrderedId } from "../../ids.js";
import type { CaseRecord, NewCase, NewDecision, NewOutboxMessage } from "../../store/index.js";
import { suspensionCacheOf } from "../../suspensions/cache.js";
import { routedWhileSuspended, suspendedProblem } from "../../suspensions/submit.js";
import { decidedWebhookBody } from "../../webhooks/bodies.js";
import { DestinationPolicy } from "../../webhooks/destinations.js";
import { type AppContext, workflowOrFail } from "../context.js";
import { principalOf, requireRole, requireWorkflow } from "../identity/auth.js";
import { queuePriority } from "../learning/queue-priority.js";
import { shadowRoutedEvent } from "../learning/shadow-policy.js";
import { shadowsFor } from "../oversight/shadows.js";
import { HttpProblem } from "../problem.js";
import { slaTimersFor } from "../review/sla-timers.js";
import {
  CaseSubmissionSchema,
  CaseViewSchema,
  DecisionResultSchema,
  problemResponses,
  SubmitResponseSchema,
} from "../schemas.js";
import { caseDetailFor, caseFor } from "./case-access.js";
import { caseScreen } from "./case-screen.js";
import { storedContent, submittedEvents } from "./new-case.js";
import { decisionResult } from "./views.js";

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** A server started without a destination policy lets webhooks reach public addresses only. */
const PUBLIC_ONLY = new DestinationPolicy();

export const casesRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.post(
      "/v1/cases",
      {
        schema: {
          summary: "Submit a case: the policy routes it to auto, review or human_only",
          tags: ["cases"],
          body: CaseSubmissionSchema,
          response: {
            200: SubmitResponseSchema,
            201: SubmitResponseSchema,
            ...problemResponses,
            503: problemResponses[400],
          },
        },
      },
      async (request, reply) => {
        const p = requireRole(request, "automation");
        const body = request.body as CaseSubmission;
        requireWorkflow(p, body.workflow);
        const wf = workflowOrFail(ctx, body.workflow);
        // Refused before anything is stored (issue 13, item 3): a host name is checked again when the
        // webhook connects, on the address it resolves to then.
        const refused = body.callbackUrl && (ctx.destinations ?? PUBLIC_ONLY).urlRefusal(body.callbackUrl);
        if (refused) {
          const message = `callbackUrl ${refused}`;
          const field = "/callbackUrl";
          throw new HttpProblem(400, "Invalid request", message, { field, errors: [{ field, message }] });
        }
        // The stop button: read from memory (at most one database read a second), never per submit.
        const suspension = await suspensionCacheOf(ctx.store).covering(body.workflow, body.action);
        if (suspension && (wf.suspension?.onSubmit ?? "review") === "reject")
          throw suspendedProblem(suspension);
        const explanation = suspension
          ? routedWhileSuspended(evaluatePolicy(body, wf), suspension)
          : evaluatePolicy(body, wf);
        const now = ctx.clock();
        const id = timeOrderedId("case", now);
        const auto = explanation.route === "auto";
        const record: NewCase = {
          id,
          workflow: body.workflow,
          ...storedContent(body),
          status: auto ? "decided" : "queued",
          route: explanation.route,
          riskClass: explanation.riskClass,
          explanation,
          idempotencyKey: body.idempotencyKey ?? null,
          requestHash: sha256Hex(canonicalJson(body)),
          callbackUrl: body.callbackUrl ?? null,
          submittedBy: p.id,
          policyVersion: explanation.policyVersion,
          createdAt: now,
          priority: auto ? 0 : queuePriority(wf, body.proposal, body.confidence),
          // Drawn once here and kept on the case (docs/oversight.md "Skill erosion"); an auto case meets no reviewer.
          blindSampled: !auto && inBlindSample(id, wf.review.blindSampleRate ?? 0),
        };
        const events = submittedEvents(record);
        // Shadow mode: what a draft policy would have done, stored in the case's own transaction.
        const shadowRouted = shadowRoutedEvent(ctx, body, id, now);
        if (shadowRouted) events.push(shadowRouted);
        let decision: NewDecision | undefined;
        let outbox: NewOutboxMessage | undefined;
        // A held auto approval (release.delaySeconds) may be revoked by an admin or the owner until then.
        const delayMs = classSettings(wf, explanation.riskClass).releaseDelaySeconds * 1000;
        const releaseAt = auto && delayMs > 0 ? now + delayMs : undefined;
        if (auto) {
          decision = {
            id: timeOrderedId("dec", now),
            decidedBy: "policy",
            verdict: "approve",
            output: body.proposal,
            reasonCode: null,
            note: null,
            claimedAt: null,
            decidedAt: now,
            heldMs: null,
          };
          events.push({
            type: "decided",
            caseId: id,
            actor: "policy",
            data: { verdict: "approve" },
            at: now,
          });
          if (record.callbackUrl) {
            outbox = {
              id: timeOrderedId("whk", now),
              caseId: id,
              keyId: p.id,
              url: record.callbackUrl,
              body: decidedWebhookBody(record as CaseRecord, decision, ctx.decisionSigner),
              createdAt: now,
              ...(releaseAt !== undefined && { notBefore: releaseAt }),
            };
          }
        }
        // A case that waits for a person gets a durable SLA deadline, with a reminder before it.
        const { slaDueAt, timers } = slaTimersFor(id, now, auto ? undefined : wf.sla.reviewWithinSeconds);
        if (releaseAt !== undefined) {
          timers.unshift({ id: timeOrderedId("tmr", now), caseId: id, kind: "release", dueAt: releaseAt });
        }
        // Catch trials and overlap copies ride in the same transaction: a 2xx means all are stored.
        const shadows = auto ? [] : await shadowsFor(ctx, wf, record);
        const stored = await ctx.store.cases.insert(record, {
          events,
          decision,
          outbox,
          slaDueAt,
          releaseAt,
          timers,
          shadows,
        });
        // Idempotency keys are scoped per submitting key (migration 016), so another key's case is never
        // found here; should one be, it is refused without naming it (an automation sees only its own).
        if (!stored.created && stored.case.submittedBy !== p.id) {
          throw new Conflict(
            `idempotencyKey "${record.idempotencyKey}" is already used in workflow ${record.workflow} by another key; choose another`,
          );
        }
        if (!stored.created && stored.case.requestHash !== record.requestHash) {
          throw new Conflict(
            `idempotencyKey "${record.idempotencyKey}" was already used for a different submission (case ${stored.case.id})`,
          );
        }
        if (stored.created) {
          const event = { caseId: id, workflow: body.workflow };
          ctx.caseEvents.publish({ type: "submitted", ...event });
          if (auto) ctx.caseEvents.publish({ type: "decided", ...event });
          for (const s of shadows) {
            ctx.caseEvents.publish({ type: "submitted", caseId: s.case.id, workflow: body.workflow });
          }
        }
        if (stored.created && outbox) ctx.onOutbox();
        const c = stored.case;
        reply.header("location", `/v1/cases/${c.id}`);
        return reply.code(stored.created ? 201 : 200).send({
          id: c.id,
          route: c.route,
          status: c.status,
          riskClass: c.riskClass,
          explanation: c.explanation,
        });
      },
    );

    app.get(
      "/v1/cases/:id",
      {
        schema: {
          summary: "A case with its route, status, decisions, events and the subject's earlier cases",
          tags: ["cases"],
          params: IdParams,
          response: { 200: CaseViewSchema, ...problemResponses },
        },
      },
      async (request) => {
        const { id } = request.params as { id: string };
        const p = principalOf(request);
        return caseScreen(ctx, p, await caseDetailFor(ctx, p, id));
      },
    );

    app.get(
      "/v1/cases/:id/decision",
      {
        schema: {
          summary: "The decision; waits up to waitSeconds for it (202 while still pending)",
          tags: ["cases"],
          params: IdParams,
          querystring: Type.Object(
            { waitSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 3600 })) },
            { additionalProperties: false },
          ),
          response: { 200: DecisionResultSchema, 202: DecisionResultSchema, ...problemResponses },
        },
      },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const { waitSeconds = 0 } = request.query as { waitSeconds?: number };
        let c = await caseFor(ctx, principalOf(request), id);
        // A held decision stays held past its time while the stop button is pressed (held.ts holds its timer).
        const suspended = await suspensionCacheOf(ctx.store).covering(c.workflow, c.action);
        const releasing = (c: CaseRecord, now: number) => heldRelease(c, now, suspended !== undefined);
        const waitMs = Math.min(waitSeconds, ctx.maxWaitSeconds) * 1000;
        const abort = new AbortController();
        request.raw.on("close", () => abort.abort());
        await ctx.notifier.waitFor(
          id,
          async () => {
            c = (await ctx.store.cases.get(id)) ?? c;
            return c?.status === "decided" && !releasing(c, ctx.clock());
          },
          waitMs,
          abort.signal,
        );
        if (releasing(c, ctx.clock())) {
          // Decided but held (release.delaySeconds): it may still be revoked, so the automation waits.
          const releaseAt = new Date(c.releaseAt as number).toISOString();
          return reply.code(202).send({ caseId: c.id, status: "releasing", route: c.route, releaseAt });
        }
        if (c.status !== "decided") return reply.code(202).send(decisionResult(c, undefined));
        const detail = await ctx.store.cases.detail(id);
        return reply.code(200).send(decisionResult(c, detail?.decisions.at(-1), ctx.decisionSigner));
      },
    );
  };
};

/**
 * A decided case whose decision is still held: inside its release window, or past it but not yet
 * released while a suspension covers it.
 */
function heldRelease(c: CaseRecord, now: number, suspended: boolean): boolean {
  if (c.status !== "decided" || c.releaseAt === null) return false;
  return c.releaseAt > now || (suspended && c.releasedAt === null);
}
