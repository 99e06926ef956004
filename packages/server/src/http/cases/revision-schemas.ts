import { Type } from "typebox";

/**
 * Revisions (issue 14, item 4): the request body of `POST /v1/cases/:id/revisions`, the link fields a
 * submit answers with, and one version of a revised case as `GET /v1/cases/:id` lists them.
 */

const Json = Type.Unknown({ description: "Any JSON value" });

export const RevisionRequestSchema = Type.Object(
  {
    proposal: Type.Unknown({ description: "The revised proposal, after the reviewer's feedback" }),
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
    rationale: Type.Optional(Type.String({ maxLength: 20_000 })),
    input: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: "Left out: the revised case's input" }),
    ),
    evidence: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 500 })),
    idempotencyKey: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          "The caller's key for this revision (an adapter sends the revising tool call's): sent again with the same key it answers the same revision (200); another key, or none where the first had one, is a 409",
      }),
    ),
  },
  { additionalProperties: false, required: ["proposal", "confidence"] },
);

export const RevisionFields = {
  revisionOf: Type.Union([Type.String(), Type.Null()], {
    description: "The case this one revises (a reviewer asked for changes on it); null for a first version",
  }),
  version: Type.Integer({ minimum: 1, description: "1 for a first version, n for the n-th revision" }),
};

export const VersionSchema = Type.Object({
  id: Type.String(),
  version: Type.Integer(),
  status: Type.String(),
  proposal: Json,
  confidence: Type.Union([Type.Number(), Type.Null()]),
  rationale: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  decision: Type.Union([
    Type.Object({
      verdict: Type.String(),
      output: Json,
      reasonCode: Type.Union([Type.String(), Type.Null()]),
      note: Type.Union([Type.String(), Type.Null()]),
      decidedAt: Type.String(),
    }),
    Type.Null(),
  ]),
});
