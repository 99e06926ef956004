import { randomUUID } from "node:crypto";
import {
  type CaseSubmission,
  evaluatePolicy,
  GOLD_EXPECTATIONS,
  type GoldExpectation,
  ValidationError,
  type Workflow,
} from "@loopgate/core";
import { Ajv, type ErrorObject } from "ajv";
import addFormats from "ajv-formats";
import { Type } from "typebox";
import type { NewGoldCase } from "../../store/index.js";
import { type CaseContent, storedContent } from "../cases/new-case.js";
import { HttpProblem } from "../problem.js";
import { CaseSubmissionSchema } from "../schemas.js";

/**
 * Known-answer cases as owners send them (`POST /v1/workflows/:name/gold`, `loopgate gold import`): the
 * schema, one item's checks against the workflow, and the JSON Lines reading both entry points share.
 */

const submission = CaseSubmissionSchema.properties;

const GoldItemSchema = Type.Object(
  {
    action: submission.action,
    input: submission.input,
    proposal: submission.proposal,
    confidence: submission.confidence,
    rationale: submission.rationale,
    evidence: submission.evidence,
    subject: submission.subject,
    metadata: submission.metadata,
    context: submission.context,
    expected: Type.Union(
      GOLD_EXPECTATIONS.map((e) => Type.Literal(e)),
      {
        description:
          "approve: the proposal is right; reject: it is wrong, and any non-approve verdict catches it",
      },
    ),
    expectedReason: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: "The reason code a catching reviewer should name",
      }),
    ),
    note: Type.Optional(
      Type.String({ maxLength: 2000, description: "For the owner: why this is the answer" }),
    ),
  },
  { additionalProperties: false, required: ["action", "input", "proposal", "confidence", "expected"] },
);

export const GoldImportSchema = Type.Object(
  { items: Type.Array(GoldItemSchema, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);

export interface GoldItem extends CaseContent {
  expected: GoldExpectation;
  expectedReason?: string;
  note?: string;
}

// The same strictness as request bodies (http/app.ts): no coercion, so "0.9" is not a confidence.
const ajv = new Ajv({ allErrors: false, coerceTypes: false, strict: false });
addFormats.default(ajv);
const validateItem = ajv.compile(GoldItemSchema);

/** Where an item came from, for error messages: its index in `items`, and its line in a JSON Lines file. */
export interface ItemPlace {
  index: number;
  line?: number;
}

/** A 400 or 422 naming the item: `/items/3/confidence`, and `line 4: …` for JSON Lines. */
function itemProblem(status: 400 | 422, place: ItemPlace, path: string, message: string): HttpProblem {
  const field = `/items/${place.index}${path}`;
  const where = place.line === undefined ? field : `line ${place.line}: ${path || "/"}`;
  return new HttpProblem(
    status,
    status === 400 ? "Invalid request" : "Unprocessable",
    `${where} ${message}`,
    {
      field,
      ...(place.line !== undefined && { line: place.line }),
      errors: [{ field, message }],
    },
  );
}

function ajvProblem(e: ErrorObject): { path: string; message: string } {
  if (e.keyword === "required")
    return { path: `${e.instancePath}/${String(e.params.missingProperty)}`, message: "is required" };
  if (e.keyword === "additionalProperties") {
    return {
      path: `${e.instancePath}/${String(e.params.additionalProperty)}`,
      message: "is not a known field",
    };
  }
  return { path: e.instancePath, message: e.message ?? "is invalid" };
}

/**
 * Reads JSON Lines: one item per non-blank line, each checked against the item schema. The first bad
 * line is a 400 naming it.
 */
export function parseGoldLines(text: string): { items: GoldItem[]; lines: number[] } {
  const items: GoldItem[] = [];
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === "") return;
    const place = { index: items.length, line: i + 1 };
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw itemProblem(400, place, "", `is not valid JSON: ${(err as Error).message}`);
    }
    if (!validateItem(value)) {
      const first = validateItem.errors?.[0];
      const { path, message } = first ? ajvProblem(first) : { path: "", message: "is invalid" };
      throw itemProblem(400, place, path, message);
    }
    items.push(value as GoldItem);
    lines.push(i + 1);
  });
  if (items.length === 0)
    throw new HttpProblem(400, "Invalid request", "no items: the body has no JSON lines", {
      field: "/items",
    });
  return { items, lines };
}

/**
 * Whether the item fits the workflow as it is now: a known action and a confidence it can route (the
 * policy's own checks), an expected reason from the taxonomy, and a route that waits for a person — a
 * case the policy would decide alone could never reach a reviewer. Throws a 422 naming the item.
 */
function checkGoldItem(wf: Workflow, item: GoldItem, place: ItemPlace): void {
  if (item.expectedReason !== undefined && !wf.reasons.includes(item.expectedReason)) {
    throw itemProblem(
      422,
      place,
      "/expectedReason",
      `"${item.expectedReason}" is not a reason code of ${wf.workflow} (${wf.reasons.join(", ")})`,
    );
  }
  let route: string;
  let reasons: string[];
  try {
    ({ route, reasons } = evaluatePolicy(submissionOf(wf, item), wf));
  } catch (err) {
    if (err instanceof ValidationError) throw itemProblem(422, place, err.field ?? "", err.message);
    throw err;
  }
  if (route === "auto") {
    throw itemProblem(
      422,
      place,
      "",
      `routes to auto under the current policy (${reasons.join("; ")}): a catch trial must wait for a reviewer`,
    );
  }
}

function submissionOf(wf: Workflow, item: GoldItem): CaseSubmission {
  const { expected: _e, expectedReason: _r, note: _n, ...rest } = item;
  return { workflow: wf.workflow, ...rest };
}

/** Checks every item (all or nothing) and builds the rows to store. */
export function goldCasesFrom(
  wf: Workflow,
  items: GoldItem[],
  by: { createdBy: string; now: number; lines?: number[] },
): NewGoldCase[] {
  return items.map((item, index) => {
    checkGoldItem(wf, item, { index, line: by.lines?.[index] });
    return {
      id: `gold_${randomUUID()}`,
      workflow: wf.workflow,
      ...storedContent(item),
      expected: item.expected,
      expectedReason: item.expectedReason ?? null,
      note: item.note ?? null,
      createdBy: by.createdBy,
      createdAt: by.now,
    };
  });
}
