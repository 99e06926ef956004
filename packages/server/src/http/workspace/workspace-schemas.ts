import { Type } from "typebox";

/** Response shapes of the workspace routes (queue summary, case history, workflow settings). */

const NullableString = Type.Union([Type.String(), Type.Null()]);

export const HistoryEntrySchema = Type.Object({
  id: Type.String(),
  workflow: Type.String(),
  action: Type.String(),
  createdAt: Type.String(),
  status: Type.String(),
  route: Type.String(),
  verdict: NullableString,
  reasonCode: NullableString,
  note: NullableString,
  decidedAt: NullableString,
});

/** What `GET /v1/workflows` adds for the workspace: review rules, SLA, and what each trigger reads. */
export const WorkflowSettingsSchema = {
  review: Type.Object({
    approvals: Type.Integer(),
    minReviewSeconds: Type.Number(),
    blindFirst: Type.Boolean(),
  }),
  sla: Type.Object({
    reviewWithinSeconds: Type.Union([Type.Number(), Type.Null()]),
    onTimeout: Type.String(),
    escalateTo: Type.String({ description: "The role an SLA timeout escalates to" }),
  }),
  release: Type.Object({
    delaySeconds: Type.Number({ description: "Undo window before a decision is released" }),
  }),
  reversible: Type.Union([Type.Boolean(), Type.Array(Type.String())], {
    description: "Whether (or for which actions) a released decision may be reverted",
  }),
  escalate: Type.Array(
    Type.Object({
      name: Type.String(),
      fields: Type.Array(Type.String(), {
        description: "Case fields the trigger reads, e.g. input.supplier",
      }),
    }),
  ),
};

export const QueueSummarySchema = Type.Object({
  workflows: Type.Array(
    Type.Object({
      workflow: Type.String(),
      pattern: Type.String(),
      owner: Type.String(),
      waiting: Type.Integer({ description: "Queued, or claimed under an expired lease" }),
      inReview: Type.Integer({ description: "Claimed under a live lease" }),
      riskClasses: Type.Array(
        Type.Object({
          riskClass: Type.String(),
          waiting: Type.Integer(),
          oldestCreatedAt: Type.String(),
          nextSlaDeadline: Type.Union([Type.String(), Type.Null()], {
            description: "Oldest waiting case's createdAt + sla.reviewWithin; null without an SLA",
          }),
        }),
        { description: "Only the classes with waiting cases, in the policy's order" },
      ),
      slaSeconds: Type.Union([Type.Integer(), Type.Null()]),
    }),
  ),
  me: Type.Object({
    decidedToday: Type.Integer(),
    approvedToday: Type.Integer(),
    medianHeldSeconds: Type.Union([Type.Number(), Type.Null()]),
    holding: Type.Array(Type.String(), { description: "Ids of the cases you hold a live lease on" }),
  }),
  serverTime: Type.String(),
});
