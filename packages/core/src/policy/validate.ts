import { ACTIVE_LEARNING_STRATEGIES } from "../learning/active-learning.js";
import { DEFAULT_MAX_MISS_RATE } from "../oversight/absolute-checks.js";
import { PATTERNS, type Pattern } from "../types.js";
import { cacheKey, classifyLiterals } from "./expressions.js";
import {
  type Checker,
  duration,
  expression,
  field,
  fraction,
  integer,
  isFields,
  mapping,
  NAME,
  NAME_RULE,
  namedEntries,
  oneOf,
  optionalBlock,
  required,
  seconds,
  text,
} from "./fields.js";
import { fieldsReadFromAst } from "./fields-read.js";
import { readNotify } from "./notify.js";
import type { Path } from "./source.js";
import { checkApproveOnTimeout, readActions, readReview, readRiskClass } from "./validate-rules.js";
import { RETENTION_MIN_DAYS, SUSPENDED_SUBMIT, type Workflow } from "./workflow.js";

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
  "suspension",
  "retention",
  "notify",
];
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

  const suspension = field(doc, [], "suspension", readSuspension, c);
  const retention = field(doc, [], "retention", readRetention, c);
  const notify = field(doc, [], "notify", readNotify, c);
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
    ...(suspension && { suspension }),
    ...(retention && { retention }),
    ...(notify && { notify }),
  } as WorkflowBody;
}

function readReversible(value: unknown, path: Path, c: Checker): Workflow["reversible"] | undefined {
  if (typeof value === "boolean") return value;
  if (Array.isArray(value) && value.length > 0 && value.every((a) => typeof a === "string")) return value;
  c.src.issue(path, "must be true, false or a list of action names, e.g. [issue_refund]");
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

function readSuspension(value: unknown, path: Path, c: Checker): Workflow["suspension"] | undefined {
  const s = mapping(value, path, c, ["onSubmit"], "onSubmit");
  if (!s) return undefined;
  const onSubmit = field(s, path, "onSubmit", oneOf(SUSPENDED_SUBMIT), c);
  return { onSubmit: onSubmit ?? "review" };
}

function readRetention(value: unknown, path: Path, c: Checker): Workflow["retention"] | undefined {
  const r = mapping(value, path, c, ["days", "belowMinimumBecause"], "days, belowMinimumBecause");
  if (!r) return undefined;
  const days = required(r, path, "days", integer(1), c, "days is required: how long finished cases are kept");
  const because = field(r, path, "belowMinimumBecause", text(), c)?.trim();
  if (days === undefined) return undefined;
  if (days < RETENTION_MIN_DAYS && !because) {
    c.src.issue(
      [...path, "days"],
      `keeps cases ${days} days, below the ${RETENTION_MIN_DAYS} days EU AI Act Art. 26(6) asks of deployers; to keep fewer, say why in retention.belowMinimumBecause`,
    );
    return undefined;
  }
  return { days, ...(because && { belowMinimumBecause: because }) };
}

function readOversight(value: unknown, path: Path, c: Checker): Workflow["oversight"] {
  const keys = [
    "auditRate",
    "auditEvery",
    "catchTrialRate",
    "overlapRate",
    "maxCatchTrialMissRate",
    "alertUrl",
  ];
  const o = optionalBlock(value, path, c, keys, keys.join(", "));
  const alertUrl = field(o, path, "alertUrl", httpUrl, c);
  const auditRate = field(o, path, "auditRate", fraction, c) ?? 0;
  const every = field(o, path, "auditEvery", duration, c);
  if (every && every.seconds < 3600) {
    c.src.issue([...path, "auditEvery"], `must be at least 1h (got ${every.text}): each period is one draw`);
  } else if (every && auditRate === 0 && o.auditRate === undefined) {
    const hint = "auditEvery draws auditRate of the approvals of each period: set auditRate too (e.g. 0.05)";
    c.src.issue([...path, "auditEvery"], hint);
  }
  return {
    auditRate,
    ...(every && every.seconds >= 3600 && { auditEvery: every.text, auditEverySeconds: every.seconds }),
    catchTrialRate: field(o, path, "catchTrialRate", fraction, c) ?? 0,
    overlapRate: field(o, path, "overlapRate", fraction, c) ?? 0,
    maxCatchTrialMissRate: field(o, path, "maxCatchTrialMissRate", tolerance, c) ?? DEFAULT_MAX_MISS_RATE,
    ...(alertUrl !== undefined && { alertUrl }),
  };
}

/**
 * A tolerated failure share strictly between 0 and 1: at 0 a single miss would flag a reviewer with no
 * statistics behind it, and at 1 nothing could ever be flagged.
 */
function tolerance(value: unknown, path: Path, c: Checker): number | undefined {
  if (typeof value === "number" && value > 0 && value < 1) return value;
  c.src.issue(path, `must be a number above 0 and below 1, e.g. 0.1 (got ${JSON.stringify(value)})`);
  return undefined;
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
