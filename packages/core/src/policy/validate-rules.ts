import { type Boundary, VERDICTS, type Verdict } from "../types.js";
import {
  boolean,
  type Checker,
  duration,
  expression,
  field,
  fraction,
  integer,
  isFields,
  mapping,
  namedEntries,
  oneOf,
  optionalBlock,
  required,
  seconds,
  text,
} from "./fields.js";
import { schemaError } from "./output-schema.js";
import type { Path } from "./source.js";
import type { Action, RiskClass, Workflow, WorkloadLimits } from "./workflow.js";

/**
 * The policy's decision rules, checked field by field like the rest of the document (validate.ts):
 * what each action lets a reviewer release (boundary, editable fields, output schema), the friction
 * of each risk class, the review settings, and when a timeout may approve.
 */

const BOUNDARIES: readonly Boundary[] = ["auto", "review", "human_only"];

/**
 * A timeout may approve only what the machine could have done alone: every action's boundary is auto
 * and every class has a threshold. The timer re-checks the case itself when it fires (workers/timers.ts,
 * core `timeoutMayApprove`), since a policy can change while a case waits.
 */
export function checkApproveOnTimeout(
  risk: Workflow["risk"] | undefined,
  actions: Workflow["actions"] | undefined,
  c: Checker,
): void {
  const at = ["sla", "onTimeout"];
  const never = Object.entries(risk?.classes ?? {}).find(([, cls]) => cls.autoMinConfidence === null);
  if (never) {
    c.src.issue(
      at,
      `approve on timeout is not allowed for a class that never auto-routes (class "${never[0]}")`,
    );
  }
  const personal = Object.entries(actions ?? {}).find(([, a]) => a.boundary !== "auto");
  if (personal) {
    c.src.issue(
      at,
      `approve on timeout is not allowed: action "${personal[0]}" has boundary ${personal[1].boundary}, so a person must decide it; use reject or escalate`,
    );
  }
}

const ACTION_KEYS = ["boundary", "editable", "outputSchema"];

export function readActions(value: unknown, path: Path, c: Checker): Workflow["actions"] | undefined {
  return namedEntries(value, path, c, "action", (entry, at) => {
    const fields = mapping(
      entry,
      at,
      c,
      ACTION_KEYS,
      "boundary: auto | review | human_only, editable, outputSchema",
    );
    if (!fields) return undefined;
    const boundary = required(
      fields,
      at,
      "boundary",
      oneOf(BOUNDARIES),
      c,
      "a boundary is required: auto, review or human_only",
    );
    const editable = field(fields, at, "editable", fieldPaths, c);
    const outputSchema = field(fields, at, "outputSchema", jsonSchema, c);
    if (!boundary) return undefined;
    const action: Action = { boundary };
    if (editable) action.editable = editable;
    if (outputSchema) action.outputSchema = outputSchema;
    return action;
  });
}

/** `[amount, lines.0.qty]`: dotted paths into the output, each a non-empty list of keys or indexes. */
function fieldPaths(value: unknown, path: Path, c: Checker): string[] | undefined {
  const ok =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((p) => typeof p === "string" && /^[^.\s]+(\.[^.\s]+)*$/.test(p));
  if (ok) return value as string[];
  c.src.issue(path, "must be a non-empty list of output fields, e.g. [amount, note] or [lines.0.qty]");
  return undefined;
}

function jsonSchema(value: unknown, path: Path, c: Checker): Record<string, unknown> | undefined {
  if (!isFields(value)) {
    c.src.issue(path, "must be a JSON Schema object, e.g. { type: object, required: [amount] }");
    return undefined;
  }
  const error = schemaError(value);
  if (error === undefined) return value;
  c.src.issue(path, `is not a valid JSON Schema: ${error}`);
  return undefined;
}

/** Verdicts named in `requireReason`; a reject always needs one, so naming it changes nothing. */
function verdictList(value: unknown, path: Path, c: Checker): Verdict[] | undefined {
  if (Array.isArray(value) && value.every((v) => (VERDICTS as readonly unknown[]).includes(v))) {
    return value as Verdict[];
  }
  c.src.issue(path, `must be a list of verdicts from ${VERDICTS.join(", ")}, e.g. [approve]`);
  return undefined;
}

const CLASS_KEYS = [
  "autoMinConfidence",
  "approvals",
  "minReviewSeconds",
  "blindFirst",
  "releaseDelaySeconds",
  "requireReason",
];

/** A risk class: its auto threshold, and the friction that sits with it (wins over the workflow's). */
export function readRiskClass(entry: unknown, at: Path, c: Checker): RiskClass | undefined {
  const fields = mapping(entry, at, c, CLASS_KEYS, "autoMinConfidence: 0..1 or null, and friction per class");
  if (!fields) return undefined;
  const friction: Omit<RiskClass, "autoMinConfidence"> = {};
  const approvals = field(fields, at, "approvals", integer(1), c);
  if (approvals !== undefined) friction.approvals = approvals;
  const minReviewSeconds = field(fields, at, "minReviewSeconds", seconds, c);
  if (minReviewSeconds !== undefined) friction.minReviewSeconds = minReviewSeconds;
  const blindFirst = field(fields, at, "blindFirst", boolean, c);
  if (blindFirst !== undefined) friction.blindFirst = blindFirst;
  const releaseDelaySeconds = field(fields, at, "releaseDelaySeconds", seconds, c);
  if (releaseDelaySeconds !== undefined) friction.releaseDelaySeconds = releaseDelaySeconds;
  const requireReason = field(fields, at, "requireReason", verdictList, c);
  if (requireReason !== undefined) friction.requireReason = requireReason;
  const threshold = fields.autoMinConfidence;
  if (threshold === null) return { autoMinConfidence: null, ...friction };
  if (typeof threshold === "number" && threshold >= 0 && threshold <= 1)
    return { autoMinConfidence: threshold, ...friction };
  if (threshold === undefined) {
    const missing = "autoMinConfidence is required: a number between 0 and 1, or null for never auto";
    c.src.issue([...at, "autoMinConfidence"], missing, "parent");
  } else {
    c.src.issue([...at, "autoMinConfidence"], "must be a number between 0 and 1, or null");
  }
  return undefined;
}

export function readReview(value: unknown, path: Path, c: Checker): Workflow["review"] {
  const keys = [
    "approvals",
    "minReviewSeconds",
    "blindFirst",
    "blindSampleRate",
    "authority",
    "secondReviewWhen",
    "requireReason",
    "limits",
  ];
  const r = optionalBlock(value, path, c, keys, "review settings");
  const secondReviewWhen = field(r, path, "secondReviewWhen", expression("rule"), c);
  const limits = r.limits === undefined ? undefined : readLimits(r.limits, [...path, "limits"], c);
  const blindSampleRate = field(r, path, "blindSampleRate", fraction, c);
  return {
    approvals: field(r, path, "approvals", integer(1), c) ?? 1,
    minReviewSeconds: field(r, path, "minReviewSeconds", seconds, c) ?? 0,
    blindFirst: field(r, path, "blindFirst", boolean, c) ?? false,
    ...(blindSampleRate !== undefined && { blindSampleRate }),
    authority: field(r, path, "authority", (v, p) => readAuthority(v, p, c), c) ?? [],
    ...(secondReviewWhen !== undefined && { secondReviewWhen }),
    requireReason: field(r, path, "requireReason", verdictList, c) ?? [],
    ...(limits && { limits }),
  };
}

const LIMIT_KEYS = ["maxHeld", "dailyDecisions", "continuousWork", "breakFor"];

/** `review.limits`: what one person may take on (review/workload.ts); a work limit needs its break. */
function readLimits(value: unknown, path: Path, c: Checker): WorkloadLimits | undefined {
  const l = mapping(value, path, c, LIMIT_KEYS, "maxHeld, dailyDecisions, continuousWork with breakFor");
  if (!l) return undefined;
  const out: WorkloadLimits = {};
  const maxHeld = field(l, path, "maxHeld", integer(1), c);
  if (maxHeld !== undefined) out.maxHeld = maxHeld;
  const daily = field(l, path, "dailyDecisions", integer(1), c);
  if (daily !== undefined) out.dailyDecisions = daily;
  const work = field(l, path, "continuousWork", duration, c);
  const rest = field(l, path, "breakFor", duration, c);
  if ((l.continuousWork === undefined) !== (l.breakFor === undefined)) {
    const missing = l.continuousWork === undefined ? "continuousWork" : "breakFor";
    c.src.issue(
      [...path, missing],
      "continuousWork and breakFor go together: how long a person may decide without a break, and how long the break is (e.g. continuousWork: 90m, breakFor: 10m)",
      "parent",
    );
  } else if (work && rest) {
    out.continuousWorkSeconds = work.seconds;
    out.breakSeconds = rest.seconds;
  }
  return out;
}

function readAuthority(value: unknown, path: Path, c: Checker): Workflow["review"]["authority"] | undefined {
  if (!Array.isArray(value)) {
    c.src.issue(path, "must be a list: - { role: ..., when: '<CEL expression>' }");
    return undefined;
  }
  const out: Workflow["review"]["authority"] = [];
  value.forEach((raw, i) => {
    const at = [...path, i];
    const entry = mapping(raw, at, c, ["role", "when"], "role and when");
    if (!entry) return;
    const role = required(entry, at, "role", text(), c, "a role is required");
    const when = required(
      entry,
      at,
      "when",
      expression("rule"),
      c,
      "a limit (CEL) is required; write 'true' for none",
    );
    if (role !== undefined && when !== undefined) out.push({ role, when });
  });
  return out;
}
