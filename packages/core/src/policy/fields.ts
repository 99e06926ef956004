import { type Compiled, cacheKey, compile, type ExpressionKind } from "./expressions.js";
import { fieldName, type Path, type PolicySource } from "./source.js";

/**
 * Small readers for one field each. A reader either returns the value or records an issue on the
 * field's node and returns undefined, so one pass over a document reports every problem in it.
 */
export type Reader<T> = (value: unknown, path: Path, src: Checker) => T | undefined;

/** The source being checked, plus every expression compiled so far (kept for evaluation). */
export interface Checker {
  src: PolicySource;
  compiled: Map<string, Compiled>;
}

export type Fields = Record<string, unknown>;

export function isFields(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A mapping whose keys are all known; an unknown key is usually a typo (`escalte`), so it is an error. */
export function mapping(
  value: unknown,
  path: Path,
  c: Checker,
  known: readonly string[],
  what: string,
): Fields | undefined {
  if (!isFields(value)) {
    c.src.issue(path, `must be a mapping (${what})`);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    // Close enough to be a typo, but not so loose that every short key "means" something.
    const near = known.find((k) => {
      const limit = Math.min(2, Math.floor(Math.max(k.length, key.length) / 3));
      return editDistance(k.toLowerCase(), key.toLowerCase()) <= limit;
    });
    const hint = near ? `did you mean "${near}"?` : `expected one of: ${known.join(", ")}`;
    c.src.issue([...path, key], `unknown field "${key}"; ${hint}`, "key");
  }
  return value;
}

/** Levenshtein distance, for "did you mean" on misspelt keys; keys are short, so O(n·m) is fine. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** Reads `obj[key]`; null counts as absent so `description:` with nothing after it is simply unset. */
export function field<T>(obj: Fields, path: Path, key: string, read: Reader<T>, c: Checker): T | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  return read(value, [...path, key], c);
}

export function required<T>(
  obj: Fields,
  path: Path,
  key: string,
  read: Reader<T>,
  c: Checker,
  missing: string,
): T | undefined {
  const value = obj[key];
  if (value === undefined || value === null) {
    // `owner:` with nothing after it has a line of its own to point at; an absent key does not.
    c.src.issue([...path, key], missing, Object.hasOwn(obj, key) ? "value" : "parent");
    return undefined;
  }
  return read(value, [...path, key], c);
}

export function text(pattern?: RegExp, rule?: string): Reader<string> {
  return (value, path, c) => {
    if (typeof value !== "string" || value.trim() === "") {
      c.src.issue(path, "must be a non-empty string");
      return undefined;
    }
    if (pattern && !pattern.test(value)) {
      c.src.issue(path, `"${value}" ${rule ?? `must match ${pattern}`}`);
      return undefined;
    }
    return value;
  };
}

export function oneOf<T extends string>(choices: readonly T[]): Reader<T> {
  return (value, path, c) => {
    if (typeof value === "string" && (choices as readonly string[]).includes(value)) return value as T;
    c.src.issue(path, `must be one of ${choices.join(", ")} (got ${JSON.stringify(value)})`);
    return undefined;
  };
}

export const fraction: Reader<number> = (value, path, c) => {
  if (typeof value === "number" && value >= 0 && value <= 1) return value;
  c.src.issue(path, "must be a number between 0 and 1");
  return undefined;
};

export function integer(min: number): Reader<number> {
  return (value, path, c) => {
    if (typeof value === "number" && Number.isInteger(value) && value >= min) return value;
    c.src.issue(path, `must be a whole number, at least ${min}`);
    return undefined;
  };
}

export const seconds: Reader<number> = (value, path, c) => {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value;
  c.src.issue(path, "must be a number of seconds, 0 or more");
  return undefined;
};

export const boolean: Reader<boolean> = (value, path, c) => {
  if (typeof value === "boolean") return value;
  c.src.issue(path, "must be true or false");
  return undefined;
};

const UNIT_SECONDS = [86_400, 3_600, 60, 1];

/** "90s", "30m", "4h", "2d", or a combination in that order such as "1h30m". */
export const duration: Reader<{ text: string; seconds: number }> = (value, path, c) => {
  const raw = typeof value === "number" ? "" : String(value).trim();
  const match = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(raw);
  const total = match ? UNIT_SECONDS.reduce((sum, unit, i) => sum + Number(match[i + 1] ?? 0) * unit, 0) : 0;
  if (!match || total <= 0) {
    c.src.issue(path, `must be a duration such as 90s, 30m, 4h, 2d or 1h30m (got ${JSON.stringify(value)})`);
    return undefined;
  }
  return { text: raw, seconds: total };
};

/** A CEL expression, parsed and type-checked now so a broken policy never reaches a live case. */
export function expression(kind: ExpressionKind): Reader<string> {
  return (value, path, c) => {
    const source = text()(value, path, c);
    if (source === undefined) return undefined;
    const compiled = compile(source, kind);
    c.compiled.set(cacheKey(source, kind), compiled);
    if (!compiled.ok) {
      c.src.issueAtOffset(c.src.offsetInScalar(path, compiled.offset), fieldName(path), compiled.message);
      return undefined;
    }
    return source;
  };
}

/** A mapping of user-chosen names (classes, actions) to entries read by `entry`. */
export function namedEntries<T>(
  value: unknown,
  path: Path,
  c: Checker,
  what: string,
  entry: (value: unknown, path: Path) => T | undefined,
): Record<string, T> | undefined {
  if (!isFields(value) || Object.keys(value).length === 0) {
    c.src.issue(path, `must be a mapping with at least one ${what}`);
    return undefined;
  }
  const out: Record<string, T> = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!NAME.test(name)) {
      c.src.issue([...path, name], `"${name}" ${NAME_RULE}`, "key");
      continue;
    }
    const read = entry(raw, [...path, name]);
    if (read !== undefined) out[name] = read;
  }
  return out;
}

/** Names that appear in CEL strings, reason lines and URLs: no spaces, no dots. */
export const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
export const NAME_RULE = "must start with a letter and contain only letters, digits, _ and -";

/** An optional block: absent or null is empty; otherwise a mapping of known keys. */
export function optionalBlock(value: unknown, path: Path, c: Checker, keys: string[], what: string): Fields {
  if (value === undefined || value === null) return {};
  return mapping(value, path, c, keys, what) ?? {};
}
