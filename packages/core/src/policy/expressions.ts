import { type ASTNode, Environment, type ParseResult } from "@marcbachmann/cel-js";

/**
 * CEL expressions in a policy. Two environments: `classify` runs before the risk class exists, so it
 * cannot see `riskClass`; every other expression (escalation, authority, second review) can, and also
 * `output` (null before a person decides). Declaring the variables (instead of accepting any name as
 * dyn) turns a typo such as `inptu.amount` into a load-time issue rather than a trigger that silently
 * fires on every case.
 */
export type ExpressionKind = "classify" | "rule";

const CASE_VARIABLES = ["input", "proposal", "confidence", "context", "metadata", "subject", "action"];

// Building an Environment is the expensive part of cel-js, so there is one of each for the process.
const classifyEnv = new Environment();
for (const name of CASE_VARIABLES) classifyEnv.registerVariable(name, "dyn");
// `output`: what a verdict releases (null until a person decides), so authority and second-review
// rules can judge the case as it will run, not only as it was proposed (review/needs.ts).
const ruleEnv = classifyEnv.clone().registerVariable("riskClass", "dyn").registerVariable("output", "dyn");

const ENVIRONMENTS: Record<ExpressionKind, Environment> = { classify: classifyEnv, rule: ruleEnv };
const VARIABLES: Record<ExpressionKind, readonly string[]> = {
  classify: CASE_VARIABLES,
  rule: [...CASE_VARIABLES, "riskClass", "output"],
};

/** What an expression must produce, as the type checker names it (`dyn` is decided per case). */
const EXPECTED: Record<ExpressionKind, { type: string; words: string }> = {
  classify: { type: "string", words: "a risk class name (a string)" },
  rule: { type: "bool", words: "true or false" },
};

export type Compiled = { ok: true; run: ParseResult } | { ok: false; message: string; offset: number };

interface CelErrorLike {
  summary?: string;
  message: string;
  range?: { start: number; end: number };
}

function describe(err: unknown): CelErrorLike {
  if (err instanceof Error) return err as CelErrorLike;
  return { message: String(err) };
}

/** Parses and type-checks once; both failures are reported the same way, located in the expression. */
export function compile(expression: string, kind: ExpressionKind): Compiled {
  let run: ParseResult;
  try {
    run = ENVIRONMENTS[kind].parse(expression);
  } catch (err) {
    return failure("CEL syntax error", describe(err));
  }
  const checked = run.check();
  if (!checked.valid) {
    const err = describe(checked.error);
    const unknown = /^Unknown variable/.test(err.summary ?? "")
      ? ` (known: ${VARIABLES[kind].join(", ")})`
      : "";
    return failure("CEL type error", err, unknown);
  }
  const badPattern = invalidPattern(run.ast);
  if (badPattern) return badPattern;
  const expected = EXPECTED[kind];
  if (checked.type !== expected.type && checked.type !== "dyn") {
    return { ok: false, message: `must give ${expected.words}, but gives ${checked.type}`, offset: 0 };
  }
  return { ok: true, run };
}

function failure(prefix: string, err: CelErrorLike, suffix = ""): Compiled {
  const summary = err.summary ?? err.message.split("\n")[0] ?? "invalid expression";
  return { ok: false, message: `${prefix}: ${summary}${suffix}`, offset: err.range?.start ?? 0 };
}

function isNode(value: unknown): value is ASTNode {
  return typeof value === "object" && value !== null && "op" in value && "range" in value;
}

/** Every node below `node`, whichever shape its operator gives its arguments. */
function* descendants(node: ASTNode): Generator<ASTNode> {
  yield node;
  const stack: unknown[] = [node.args];
  while (stack.length > 0) {
    const item = stack.pop();
    if (isNode(item)) yield* descendants(item);
    else if (Array.isArray(item)) stack.push(...item);
  }
}

/**
 * cel-js runs `matches` with JavaScript's RegExp, not RE2: a pattern like "(?i)lawyer", valid in other
 * CEL engines, throws on every case and would make a trigger fire always. Literal patterns are
 * checked here, where the owner can still fix them.
 */
function invalidPattern(ast: ASTNode): Compiled | undefined {
  for (const node of descendants(ast)) {
    let pattern: unknown;
    if (node.op === "rcall" && node.args[0] === "matches") pattern = node.args[2][0];
    if (node.op === "call" && node.args[0] === "matches") pattern = node.args[1][1];
    if (!isNode(pattern) || pattern.op !== "value" || typeof pattern.args !== "string") continue;
    try {
      new RegExp(pattern.args);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      const hint = /\(\?[a-z]+\)/.test(pattern.args)
        ? "; inline flags such as (?i) are not supported here, use text.lowerAscii().matches(...) instead"
        : "";
      return { ok: false, message: `invalid regular expression: ${why}${hint}`, offset: pattern.range.start };
    }
  }
  return undefined;
}

/** String literals a classifier can return directly, so a misspelt class is caught at load time. */
export function classifyLiterals(run: ParseResult): Array<{ value: string; offset: number }> {
  const found: Array<{ value: string; offset: number }> = [];
  const visit = (node: ASTNode): void => {
    if (node.op === "?:") {
      visit(node.args[1]);
      visit(node.args[2]);
    } else if (node.op === "value" && typeof node.args === "string") {
      found.push({ value: node.args, offset: node.range.start });
    }
  };
  visit(run.ast);
  return found;
}

// Keyed by workflow object, then by kind and text: a workflow built by hand or edited after load still
// gets correct (lazily compiled) expressions, and dropping a policy drops its compiled code.
const cache = new WeakMap<object, Map<string, Compiled>>();

export function cached(owner: object, expression: string, kind: ExpressionKind): Compiled {
  let byText = cache.get(owner);
  if (!byText) {
    byText = new Map();
    cache.set(owner, byText);
  }
  const key = cacheKey(expression, kind);
  let compiled = byText.get(key);
  if (!compiled) {
    compiled = compile(expression, kind);
    byText.set(key, compiled);
  }
  return compiled;
}

/** Hands expressions compiled during validation to the workflow they belong to. */
export function adopt(owner: object, compiled: Map<string, Compiled>): void {
  cache.set(owner, compiled);
}

export function cacheKey(expression: string, kind: ExpressionKind): string {
  return `${kind}\u0000${expression}`;
}

export type Outcome = { ok: true; value: unknown } | { ok: false; error: string };

export function run(
  owner: object,
  expression: string,
  kind: ExpressionKind,
  activation: Record<string, unknown>,
): Outcome {
  const compiled = cached(owner, expression, kind);
  if (!compiled.ok) return { ok: false, error: compiled.message };
  try {
    return { ok: true, value: compiled.run(activation) };
  } catch (err) {
    const e = describe(err);
    return { ok: false, error: e.summary ?? e.message.split("\n")[0] ?? "evaluation failed" };
  }
}

/** Renders a CEL result for a reason line: BigInt ints, strings quoted, anything else as JSON. */
export function show(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined) return "nothing";
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) ?? String(value);
  } catch {
    return String(value);
  }
}
