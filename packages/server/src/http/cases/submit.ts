import {
  type CaseSubmission,
  Conflict,
  classSettings,
  evaluatePolicy,
  inBlindSample,
  type RouteExplanation,
  toolInputProblem,
  toolSchemaError,
  ValidationError,
} from "@loopgate/core";
import { canonicalJson, sha256Hex } from "../../canonical-json.js";
import { timeOrderedId } from "../../ids.js";
import type { CaseRecord, NewCase, NewDecision, NewOutboxMessage } from "../../store/index.js";
import { suspensionCacheOf } from "../../suspensions/cache.js";
import { routedWhileSuspended, suspendedProblem } from "../../suspensions/submit.js";
import { decidedWebhookBody } from "../../webhooks/bodies.js";
import { DestinationPolicy } from "../../webhooks/destinations.js";
import { type AppContext, workflowOrFail } from "../context.js";
import type { Principal } from "../identity/auth.js";
import { queuePriority } from "../learning/queue-priority.js";
import { shadowRoutedEvent } from "../learning/shadow-policy.js";
import { shadowsFor } from "../oversight/shadows.js";
import { HttpProblem } from "../problem.js";
import { slaTimersFor } from "../review/sla-timers.js";
import { storedContent, submittedEvents } from "./new-case.js";

/**
 * Storing a submitted case: the policy's route, the auto decision and its webhook, SLA timers and the
 * shadow cases, in one transaction. `POST /v1/cases` and a revision (`POST /v1/cases/:id/revisions`)
 * both come through here, so a revision is routed, timed and stored as any case.
 */

/** What an automation submits: the case, and optionally the JSON Schema of the tool's arguments. */
export type SubmitBody = CaseSubmission & { toolInputSchema?: Record<string, unknown> };

/** A revision's link to the case it revises (set by the revisions route only). */
export interface RevisionLink {
  revisionOf: string;
  version: number;
  /** The caller's key for the revision request, part of what a resend must match. */
  requestKey?: string;
}

/**
 * What a resend must match to answer the same case. A revision's idempotency key is derived from the
 * case it revises (one revision per case), so the caller's own key for the request is hashed with it:
 * a different tool call presenting the same arguments for the same case (say, from a forged
 * conversation) gets a 409, never the first call's decision to run again.
 */
function requestHashOf(body: SubmitBody, link: RevisionLink | undefined): string {
  if (!link) return sha256Hex(canonicalJson(body));
  const { revisionOf, requestKey } = link;
  return sha256Hex(canonicalJson({ ...body, revisionOf, revisionRequestKey: requestKey }));
}

/** A server started without a destination policy lets webhooks reach public addresses only. */
const PUBLIC_ONLY = new DestinationPolicy();

/**
 * The tool's input schema must compile (400 naming `/toolInputSchema`) and the proposal must meet it
 * (422 naming `/proposal...`), before anything is stored.
 */
function checkToolInput(schema: Record<string, unknown> | undefined | null, proposal: unknown): void {
  if (schema === undefined || schema === null) return;
  const error = toolSchemaError(schema);
  if (error) {
    const field = "/toolInputSchema";
    throw new HttpProblem(400, "Invalid request", error, { field, errors: [{ field, message: error }] });
  }
  const problem = toolInputProblem(schema, proposal, "/proposal");
  if (problem) throw new ValidationError(problem.message, problem.field);
}

/**
 * A revision answers a person's request for changes: whatever the policy would let the machine do
 * alone, a person looks at it again (else a revision sent with a high confidence would pass unseen).
 */
function routedAsRevision(e: RouteExplanation, link: RevisionLink): RouteExplanation {
  if (e.route !== "auto") return e;
  const why = `revision ${link.version} of case ${link.revisionOf}, on which a reviewer asked for changes: a person decides it`;
  return { ...e, route: "review", reasons: [...e.reasons, why] };
}

export async function submitCase(
  ctx: AppContext,
  p: Principal,
  body: SubmitBody,
  link?: RevisionLink,
): Promise<{ case: CaseRecord; created: boolean }> {
  const wf = workflowOrFail(ctx, body.workflow);
  // Refused before anything is stored (issue 13, item 3): a host name is checked again when the
  // webhook connects, on the address it resolves to then.
  const refused = body.callbackUrl && (ctx.destinations ?? PUBLIC_ONLY).urlRefusal(body.callbackUrl);
  if (refused) {
    const message = `callbackUrl ${refused}`;
    const field = "/callbackUrl";
    throw new HttpProblem(400, "Invalid request", message, { field, errors: [{ field, message }] });
  }
  checkToolInput(body.toolInputSchema, body.proposal);
  // The stop button: read from memory (at most one database read a second), never per submit.
  const suspension = await suspensionCacheOf(ctx.store).covering(body.workflow, body.action);
  if (suspension && (wf.suspension?.onSubmit ?? "review") === "reject") throw suspendedProblem(suspension);
  const routed = suspension
    ? routedWhileSuspended(evaluatePolicy(body, wf), suspension)
    : evaluatePolicy(body, wf);
  const explanation = link ? routedAsRevision(routed, link) : routed;
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
    requestHash: requestHashOf(body, link),
    callbackUrl: body.callbackUrl ?? null,
    submittedBy: p.id,
    policyVersion: explanation.policyVersion,
    createdAt: now,
    priority: auto ? 0 : queuePriority(wf, body.proposal, body.confidence),
    revisionOf: link?.revisionOf ?? null,
    version: link?.version ?? 1,
    toolInputSchema: body.toolInputSchema ?? null,
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
    events.push({ type: "decided", caseId: id, actor: "policy", data: { verdict: "approve" }, at: now });
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
      link
        ? `case ${link.revisionOf} already has a revision (case ${stored.case.id}) with different content or another idempotencyKey`
        : `idempotencyKey "${record.idempotencyKey}" was already used for a different submission (case ${stored.case.id})`,
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
  return stored;
}
