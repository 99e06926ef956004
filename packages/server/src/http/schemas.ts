import { VERDICTS } from "@loopgate/core";
import { Type } from "typebox";
import { RevisionFields, VersionSchema } from "./cases/revision-schemas.js";
import { HistoryEntrySchema, WorkflowSettingsSchema } from "./workspace/workspace-schemas.js";

/**
 * The API contract. Each route declares its body, query and responses from these, so validation,
 * TypeScript types and the OpenAPI document come from one declaration.
 */

const Json = Type.Unknown({ description: "Any JSON value" });
const JsonObject = Type.Record(Type.String(), Type.Unknown());

const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    field: Type.Optional(Type.String({ description: "JSON pointer to the offending field" })),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { additionalProperties: true },
);

export const CaseSubmissionSchema = Type.Object(
  {
    workflow: Type.String({ minLength: 1, maxLength: 200, description: "A loaded workflow's name" }),
    action: Type.String({ minLength: 1, maxLength: 200, description: "One of the workflow's actions" }),
    input: Type.Record(Type.String(), Type.Unknown(), { description: "The source the model worked from" }),
    proposal: Type.Unknown({ description: "What the model proposes to do or send" }),
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
    rationale: Type.Optional(Type.String({ maxLength: 20_000 })),
    evidence: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 500 })),
    subject: Type.Optional(
      Type.String({ minLength: 1, maxLength: 500, description: "Who/what it concerns" }),
    ),
    riskClass: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    callbackUrl: Type.Optional(Type.String({ format: "uri", pattern: "^https?://", maxLength: 2000 })),
    metadata: Type.Optional(JsonObject),
    context: Type.Optional(JsonObject),
    toolInputSchema: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          "JSON Schema of the tool's arguments: the proposal must meet it, and so must every edit before it is recorded (at most 65 536 characters of JSON)",
      }),
    ),
  },
  { additionalProperties: false, required: ["workflow", "action", "input", "proposal", "confidence"] },
);

const ExplanationSchema = Type.Object(
  {
    route: Type.String(),
    riskClass: Type.String(),
    boundary: Type.String(),
    threshold: Type.Union([Type.Number(), Type.Null()]),
    confidence: Type.Union([Type.Number(), Type.Null()], { description: "null while blind-first hides it" }),
    triggers: Type.Array(Type.String()),
    reasons: Type.Array(Type.String()),
    policyVersion: Type.String(),
  },
  { additionalProperties: true },
);

export const SubmitResponseSchema = Type.Object({
  id: Type.String(),
  route: Type.Union([Type.Literal("auto"), Type.Literal("review"), Type.Literal("human_only")]),
  status: Type.String(),
  riskClass: Type.String(),
  explanation: ExplanationSchema,
  ...RevisionFields,
});

export const DecisionSchema = Type.Object({
  id: Type.String(),
  verdict: Type.String(),
  output: Json,
  reasonCode: Type.Union([Type.String(), Type.Null()]),
  note: Type.Union([Type.String(), Type.Null()]),
  decidedBy: Type.String(),
  claimedAt: Type.Union([Type.String(), Type.Null()]),
  decidedAt: Type.String(),
  heldSeconds: Type.Union([Type.Number(), Type.Null()]),
  revokedAt: Type.Optional(Type.String({ description: "Set when revoked inside its release window" })),
  approvals: Type.Optional(
    Type.Object(
      { count: Type.Integer(), needed: Type.Integer() },
      { description: "Four-eyes: this approval is recorded and the case went back to the queue" },
    ),
  ),
});

const EventSchema = Type.Object({
  seq: Type.Number(),
  type: Type.String(),
  actor: Type.String({
    description:
      'A user or key id, or "system", "policy", "sla"; "automation" for the submitting key, except in its own view',
  }),
  data: JsonObject,
  at: Type.String(),
});

export const CaseViewSchema = Type.Object({
  id: Type.String(),
  workflow: Type.String(),
  action: Type.String(),
  status: Type.String(),
  route: Type.String(),
  riskClass: Type.String(),
  confidence: Type.Union([Type.Number(), Type.Null()], { description: "null while blind-first hides it" }),
  input: Json,
  proposal: Json,
  rationale: Type.Union([Type.String(), Type.Null()]),
  evidence: Type.Union([Type.Array(Type.Unknown()), Type.Null()]),
  subject: Type.Union([Type.String(), Type.Null()]),
  metadata: Type.Union([JsonObject, Type.Null()]),
  context: Type.Union([JsonObject, Type.Null()]),
  explanation: ExplanationSchema,
  revisionOf: Type.Optional(RevisionFields.revisionOf),
  version: Type.Optional(RevisionFields.version),
  toolInputSchema: Type.Optional(
    Type.Union([JsonObject, Type.Null()], { description: "The tool's arguments' JSON Schema, if sent" }),
  ),
  versions: Type.Optional(
    Type.Array(VersionSchema, {
      description:
        "The chain of versions this case belongs to, first to last (only when it has more than one): each version's proposal and the decision on it (request_changes carries the reviewer's feedback in note)",
    }),
  ),
  idempotencyKey: Type.Optional(
    Type.Union([Type.String(), Type.Null()], {
      description: "Only for the automation that submitted the case; left out for everyone else",
    }),
  ),
  callbackUrl: Type.Optional(
    Type.Union([Type.String(), Type.Null()], {
      description: "Only for the automation that submitted the case; left out for everyone else",
    }),
  ),
  policyVersion: Type.String(),
  createdAt: Type.String(),
  decidedAt: Type.Union([Type.String(), Type.Null()]),
  lease: Type.Union([Type.Object({ holder: Type.String(), expiresAt: Type.String() }), Type.Null()]),
  releaseAt: Type.Optional(
    Type.Union([Type.String(), Type.Null()], { description: "A held decision is released then" }),
  ),
  releasedAt: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  revertedAt: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  slaDueAt: Type.Optional(
    Type.Union([Type.String(), Type.Null()], { description: "The SLA deadline of an undecided case" }),
  ),
  escalatedTo: Type.Optional(
    Type.Union([Type.String(), Type.Null()], { description: "The role an SLA timeout escalated it to" }),
  ),
  handoff: Type.Optional(
    Type.Union([Type.String(), Type.Null()], { description: "Handoff summary written on escalation" }),
  ),
  blind: Type.Boolean({
    description: "true while blind-first review hides proposal, confidence and rationale from you",
  }),
  minDecisionAt: Type.Optional(
    Type.Union([Type.String(), Type.Null()], {
      description: "While the case is held: the earliest time it may be decided (review.minReviewSeconds)",
    }),
  ),
  assignedTo: Type.Optional(
    Type.Union([Type.String(), Type.Null()], { description: "The only reviewer who may claim it" }),
  ),
  accountable: Type.Optional(
    Type.Union([Type.Object({ id: Type.String(), name: Type.String() }), Type.Null()], {
      description: "Who answers for the decision: the deciding person or key, or the workflow owner for auto",
    }),
  ),
  decisions: Type.Optional(Type.Array(DecisionSchema)),
  events: Type.Optional(Type.Array(EventSchema)),
  history: Type.Optional(
    Type.Array(HistoryEntrySchema, { description: "Earlier cases of the same subject" }),
  ),
});

export const DecisionResultSchema = Type.Object({
  caseId: Type.String(),
  status: Type.String(),
  route: Type.String(),
  humanOwned: Type.Optional(
    Type.Boolean({
      description:
        "True when the case's route is human_only: a person does the action, so output is what they recorded (verdict done), never the proposal, and the automation must not run it",
    }),
  ),
  verdict: Type.Optional(
    Type.Union(
      VERDICTS.map((v) => Type.Literal(v)),
      {
        description:
          "done: on a human_only case, the person did it themselves (output is their record); respond: output is the person's answer, to hand the model as the tool's result (the tool never runs); request_changes: nothing runs, note is the reviewer's feedback (revise with POST /v1/cases/:id/revisions)",
      },
    ),
  ),
  output: Type.Optional(Json),
  reasonCode: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  note: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  decidedBy: Type.Optional(Type.String()),
  decidedAt: Type.Optional(Type.String()),
  releaseAt: Type.Optional(
    Type.String({ description: 'With status "releasing": when the held decision is released' }),
  ),
  // Decisions bound to the action (issue 14, item 3): see decision-signature.ts and docs/api.md.
  workflow: Type.Optional(Type.String()),
  action: Type.Optional(Type.String()),
  decisionId: Type.Optional(Type.String()),
  outputHash: Type.Optional(
    Type.String({ description: "sha256 hex of the canonical JSON of output (null when there is none)" }),
  ),
  signature: Type.Optional(
    Type.String({
      description:
        "Base64 Ed25519 signature over caseId, workflow, action, verdict, decisionId, outputHash and decidedAt; check it with verifyDecision (@loopgate/client) before acting",
    }),
  ),
  signatureKeyId: Type.Optional(
    Type.String({ description: "The key it was made with (GET /v1/decision-key)" }),
  ),
});

export const DecisionKeySchema = Type.Object({
  keyId: Type.String({ description: "sha256 of the public key's DER (SPKI), 16 hex characters" }),
  publicKeyPem: Type.String({ description: "The Ed25519 public key (SPKI PEM) decisions are signed with" }),
});

export const ClaimRequestSchema = Type.Union([
  Type.Object(
    {
      workflows: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 100 })),
      claimToken: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 200,
          description:
            "Your token for this claim: repeated with the same token while its lease lasts, the claim answers with the same case and lease (a lost response), instead of taking another case.",
        }),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

export const ClaimResponseSchema = Type.Object({
  case: CaseViewSchema,
  lease: Type.Object({ id: Type.String(), expiresAt: Type.String() }),
});

export const DecideRequestSchema = Type.Object(
  {
    verdict: Type.Union(VERDICTS.map((v) => Type.Literal(v))),
    output: Type.Optional(Json),
    reasonCode: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    note: Type.Optional(Type.String({ maxLength: 20_000 })),
  },
  { additionalProperties: false },
);

export const WorkflowViewSchema = Type.Object({
  workflow: Type.String(),
  owner: Type.String(),
  pattern: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  reasons: Type.Array(Type.String()),
  actions: Type.Record(Type.String(), Type.Object({ boundary: Type.String() })),
  riskClasses: Type.Record(
    Type.String(),
    Type.Object({ autoMinConfidence: Type.Union([Type.Number(), Type.Null()]) }),
  ),
  version: Type.String(),
  file: Type.String(),
  ...WorkflowSettingsSchema,
});

export const problemResponses = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  413: ProblemSchema,
  422: ProblemSchema,
} as const;
