import { ACTIVE_LEARNING_STRATEGIES } from "../learning/active-learning.js";
import { type Boundary, PATTERNS, type Pattern, VERDICTS, type Verdict } from "../types.js";
import { cacheKey, classifyLiterals } from "./expressions.js";
import {
  boolean,
  type Checker,
  duration,
  expression,
  type Fields,
  field,
  fraction,
  integer,
  isFields,
  mapping,
  NAME,
  NAME_RULE,
  namedEntries,
  oneOf,
  required,
  seconds,
  text,
} from "./fields.js";
import { fieldsReadFromAst } from "./fields-read.js";
import { schemaError } from "./output-schema.js";
import type { Path } from "./source.js";
import type { Action, RiskClass, Workflow } from "./workflow.js";

export type WorkflowBody = Omit<Workflow, "source">;

const TOP_KEYS = [
  "workflow",
  "owner",
  "pattern",
  "description",
  "reasons",
  "risk",
  "actions",
  "escalate",
  "review",
  "release",
  "reversible",
  "sla",
  "oversight",
  "activeLearning",
];
const BOUNDARIES: readonly Boundary[] = ["auto", "review", "human_only"];
const ON_TIMEOUT = ["escalate", "reject", "approve"] as const;

export const WORKFLOW_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const REASON_CODE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

/**
 * Checks one parsed YAML document against the policy format and applies the defaults. Returns the
 * workflow only when the document has no issue at all; every issue lands in `c.src.issues`.
 */
export function validateWorkflow(c: Checker): WorkflowBody | undefined {
  const before = c.src.issues.length;
  if (c.src.doc.contents === null) {
    c.src.issue([], "the file holds no workflow: expected a mapping with workflow, owner, pattern, ...");
    return undefined;
  }
  const doc = mapping(c.src.doc.toJS(), [], c, TOP_KEYS, "a workflow: workflow, owner, ...");
  if (!doc) return undefined;
  const workflow = required(
    doc,
    [],
    "workflow",
    text(WORKFLOW_NAME, "is not a workflow name: use lowercase letters, digits, . _ and -"),
    c,
    "a workflow name is required, e.g. invoice.approve",
  );
  const owner = required(doc, [], "owner", text(), c, "an owner is required: the one accountable person");
  const pattern = required(
    doc,
    [],
    "pattern",
    oneOf<Pattern>(PATTERNS),
    c,
    `a pattern is required: one of ${PATTERNS.join(", ")}`,
  );
  const description = field(doc, [], "description", text(), c);
  const reasons = required(
    doc,
    [],
    "reasons",
    reasonCodes,
    c,
    "reason codes are required: what reviewers pick from",
  );
  const risk = required(doc, [], "risk", readRisk, c, "a risk block with at least one class is required");
  const actions = required(doc, [], "actions", readActions, c, "at least one action is required");
  const escalate = field(doc, [], "escalate", readEscalate, c) ?? [];
  const review = readReview(doc.review, ["review"], c);
  const release = readRelease(doc.release, ["release"], c);
  const reversible = field(doc, [], "reversible", readReversible, c) ?? false;
  if (Array.isArray(reversible) && actions) {
    reversible.forEach((name, i) => {
      if (!(name in actions)) {
        const known = Object.keys(actions).join(", ");
        c.src.issue(["reversible", i], `"${name}" is not an action of this workflow (actions: ${known})`);
      }
    });
  }
  const sla = readSla(doc.sla, ["sla"], c);
  const oversight = readOversight(doc.oversight, ["oversight"], c);
  const activeLearning = field(doc, [], "activeLearning", readActiveLearning, c);
  if (activeLearning && pattern && pattern !== "active_learning") {
    c.src.issue(
      ["activeLearning"],
      `only an active_learning workflow orders its queue by uncertainty (pattern is ${pattern})`,
    );
  }

  if (sla.onTimeout === "approve") checkApproveOnTimeout(risk, actions, c);
  if (c.src.issues.length > before) return undefined;
  // Every required value is present here: each absence above recorded an issue.
  return {
    workflow,
    owner,
    pattern,
    ...(description !== undefined && { description }),
    reasons,
    risk,
    actions,
    escalate,
    review,
    release,
    reversible,
    sla,
    oversight,
    ...(activeLearning && { activeLearning }),
  } as WorkflowBody;
}

function readReversible(value: unknown, path: Path, c: Checker): Workflow["reversible"] | undefined {
  if (typeof value === "boolean") return value;
  if (Array.isArray(value) && value.length > 0 && value.every((a) => typeof a === "string")) return value;
  c.src.issue(path, "must be true, false or a list of action names, e.g. [issue_refund]");
  return undefined;
}

/**
 * A timeout may approve only what the machine could have done alone: every action's boundary is auto
 * and every class has a threshold. The timer re-checks the case itself when it fires (workers/timers.ts,
 * core `timeoutMayApprove`), since a policy can change while a case waits.
 */
function checkApproveOnTimeout(
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

function readActions(value: unknown, path: Path, c: Checker): Workflow["actions"] | undefined {
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

function reasonCodes(value: unknown, path: Path, c: Checker): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    c.src.issue(path, "must be a non-empty list of reason codes, e.g. [amount_mismatch, other]");
    return undefined;
  }
  const seen = new Set<string>();
  value.forEach((code, i) => {
    const at = [...path, i];
    if (typeof code !== "string" || !REASON_CODE.test(code)) {
      c.src.issue(at, `${JSON.stringify(code)} is not a snake_case reason code`);
    } else if (seen.has(code)) {
      c.src.issue(at, `reason code "${code}" is listed twice`);
    }
    if (typeof code === "string") seen.add(code);
  });
  return value as string[];
}

function readRisk(value: unknown, path: Path, c: Checker): Workflow["risk"] | undefined {
  const risk = mapping(value, path, c, ["classify", "default", "classes"], "classify, default, classes");
  if (!risk) return undefined;
  const classes = required(
    risk,
    path,
    "classes",
    (v, p) => namedEntries(v, p, c, "risk class", (entry, at) => readRiskClass(entry, at, c)),
    c,
    "at least one risk class is required",
  );
  const classify = field(risk, path, "classify", expression("classify"), c);
  const fallback = field(risk, path, "default", text(), c);
  // Compare with every class the owner declared, valid or not, so one bad class does not cascade.
  const declared = isFields(risk.classes) ? Object.keys(risk.classes) : [];
  if (classes && fallback !== undefined && !declared.includes(fallback)) {
    c.src.issue([...path, "default"], `"${fallback}" is not a risk class (classes: ${declared.join(", ")})`);
  }
  if (classes && classify !== undefined) {
    const compiled = c.compiled.get(cacheKey(classify, "classify"));
    for (const literal of compiled?.ok ? classifyLiterals(compiled.run) : []) {
      if (!declared.includes(literal.value)) {
        const at = c.src.offsetInScalar([...path, "classify"], literal.offset);
        c.src.issueAtOffset(at, "risk.classify", `can give "${literal.value}", which is not a risk class`);
      }
    }
  }
  if (!classes) return undefined;
  return {
    ...(classify !== undefined && { classify }),
    ...(fallback !== undefined && { default: fallback }),
    classes,
  };
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
function readRiskClass(entry: unknown, at: Path, c: Checker): RiskClass | undefined {
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

function readEscalate(value: unknown, path: Path, c: Checker): Workflow["escalate"] | undefined {
  if (!Array.isArray(value)) {
    c.src.issue(path, "must be a list of triggers: - { name: ..., when: '<CEL expression>' }");
    return undefined;
  }
  const names = new Set<string>();
  const out: Workflow["escalate"] = [];
  value.forEach((raw, i) => {
    const at = [...path, i];
    const entry = mapping(raw, at, c, ["name", "when"], "name and when");
    if (!entry) return;
    const name = required(entry, at, "name", text(NAME, NAME_RULE), c, "a trigger name is required");
    const when = required(entry, at, "when", expression("rule"), c, "a condition (CEL) is required");
    if (name !== undefined && names.has(name))
      c.src.issue([...at, "name"], `trigger "${name}" is defined twice`);
    if (name !== undefined) names.add(name);
    if (name !== undefined && when !== undefined) {
      const compiled = c.compiled.get(cacheKey(when, "rule"));
      out.push({ name, when, fields: compiled?.ok ? fieldsReadFromAst(compiled.run.ast) : [] });
    }
  });
  return out;
}

function readReview(value: unknown, path: Path, c: Checker): Workflow["review"] {
  const keys = [
    "approvals",
    "minReviewSeconds",
    "blindFirst",
    "authority",
    "secondReviewWhen",
    "requireReason",
  ];
  const r = optionalBlock(value, path, c, keys, "review settings");
  const secondReviewWhen = field(r, path, "secondReviewWhen", expression("rule"), c);
  return {
    approvals: field(r, path, "approvals", integer(1), c) ?? 1,
    minReviewSeconds: field(r, path, "minReviewSeconds", seconds, c) ?? 0,
    blindFirst: field(r, path, "blindFirst", boolean, c) ?? false,
    authority: field(r, path, "authority", (v, p) => readAuthority(v, p, c), c) ?? [],
    ...(secondReviewWhen !== undefined && { secondReviewWhen }),
    requireReason: field(r, path, "requireReason", verdictList, c) ?? [],
  };
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

function optionalBlock(value: unknown, path: Path, c: Checker, keys: string[], what: string): Fields {
  if (value === undefined || value === null) return {};
  return mapping(value, path, c, keys, what) ?? {};
}

function readRelease(value: unknown, path: Path, c: Checker): Workflow["release"] {
  const r = optionalBlock(value, path, c, ["delaySeconds"], "delaySeconds");
  return { delaySeconds: field(r, path, "delaySeconds", seconds, c) ?? 0 };
}

function readSla(value: unknown, path: Path, c: Checker): Workflow["sla"] {
  const keys = ["reviewWithin", "onTimeout", "escalateTo"];
  const s = optionalBlock(value, path, c, keys, keys.join(", "));
  const within = field(s, path, "reviewWithin", duration, c);
  return {
    ...(within && { reviewWithin: within.text, reviewWithinSeconds: within.seconds }),
    onTimeout: field(s, path, "onTimeout", oneOf(ON_TIMEOUT), c) ?? "escalate",
    escalateTo: field(s, path, "escalateTo", text(NAME, NAME_RULE), c) ?? "supervisor",
  };
}

function readActiveLearning(value: unknown, path: Path, c: Checker): Workflow["activeLearning"] | undefined {
  const a = mapping(value, path, c, ["strategy", "dailyBudget"], "strategy, dailyBudget");
  if (!a) return undefined;
  const strategy = required(
    a,
    path,
    "strategy",
    oneOf(ACTIVE_LEARNING_STRATEGIES),
    c,
    `a strategy is required: one of ${ACTIVE_LEARNING_STRATEGIES.join(", ")}`,
  );
  const dailyBudget = field(a, path, "dailyBudget", integer(1), c);
  if (!strategy) return undefined;
  return { strategy, ...(dailyBudget !== undefined && { dailyBudget }) };
}

function readOversight(value: unknown, path: Path, c: Checker): Workflow["oversight"] {
  const keys = ["auditRate", "catchTrialRate", "overlapRate", "alertUrl"];
  const o = optionalBlock(value, path, c, keys, keys.join(", "));
  const alertUrl = field(o, path, "alertUrl", httpUrl, c);
  return {
    auditRate: field(o, path, "auditRate", fraction, c) ?? 0,
    catchTrialRate: field(o, path, "catchTrialRate", fraction, c) ?? 0,
    overlapRate: field(o, path, "overlapRate", fraction, c) ?? 0,
    ...(alertUrl !== undefined && { alertUrl }),
  };
}

/** An absolute http(s) URL: alerts are POSTed there, so anything else could never be delivered. */
function httpUrl(value: unknown, path: Path, c: Checker): string | undefined {
  const raw = typeof value === "string" ? value.trim() : "";
  let parsed: URL | undefined;
  try {
    parsed = new URL(raw);
  } catch {}
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    c.src.issue(path, `must be an http:// or https:// URL (got ${JSON.stringify(value)})`);
    return undefined;
  }
  return raw;
}
