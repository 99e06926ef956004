import { Type } from "typebox";

/** The `erosion` object of `GET /v1/metrics/governance` (docs/api.md "Skill erosion"; core metrics/erosion.ts). */

const ErosionRateSchema = Type.Object({
  count: Type.Integer({ minimum: 0 }),
  of: Type.Integer({ minimum: 0, description: "The denominator" }),
  rate: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], {
    description: "count / of; null when of is 0",
  }),
  interval: Type.Union(
    [
      Type.Object({
        low: Type.Number({ minimum: 0, maximum: 1 }),
        high: Type.Number({ minimum: 0, maximum: 1 }),
      }),
      Type.Null(),
    ],
    { description: "Wilson 95 % interval of the rate; null when of is 0" },
  ),
});

const ErosionFigureProperties = {
  judgments: Type.Integer({ minimum: 0, description: "Blind judgments recorded in the window" }),
  matchedModel: Type.Object(ErosionRateSchema.properties, {
    description: "Unaided judgments that took the model's side, of those that can be compared with it",
  }),
  decided: Type.Integer({
    minimum: 0,
    description: "Judgments followed by the same reviewer's decision under the same claim",
  }),
  changedAfterReveal: Type.Object(ErosionRateSchema.properties, {
    description: "Decided judgments whose decision differs from the judgment",
  }),
  direction: Type.Object(
    {
      towardsModel: Type.Integer({ minimum: 0 }),
      awayFromModel: Type.Integer({ minimum: 0 }),
      other: Type.Integer({ minimum: 0 }),
    },
    { description: "The changes after the reveal, by direction" },
  ),
  switchedToModel: Type.Object(ErosionRateSchema.properties, {
    description: "Decided judgments that disagreed with the model and were decided its way after the reveal",
  }),
};

export const ErosionSchema = Type.Object(
  {
    ...ErosionFigureProperties,
    workflows: Type.Array(Type.Object({ workflow: Type.String(), ...ErosionFigureProperties })),
    reviewers: Type.Optional(
      Type.Array(
        Type.Object({
          reviewer: Type.String(),
          name: Type.Union([Type.String(), Type.Null()]),
          ...ErosionFigureProperties,
        }),
        { description: "Only with groupBy=reviewer (the same rule: admins, auditors, the workflow's owner)" },
      ),
    ),
  },
  {
    description:
      "Skill erosion: blind-first judgments compared with the model's proposal and with the final decision",
  },
);
