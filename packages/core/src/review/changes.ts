/**
 * What an edit changed: the leaves where a reviewer's output differs from the proposal. Read by the
 * editable-fields rule (needs.ts) and shown to auditors, so both see the same change.
 */

export interface OutputChange {
  /** Dotted path of the leaf ("" for the whole value); array items by index. */
  path: string;
  /** Absent on one side when the field was added or removed. */
  before?: unknown;
  after?: unknown;
}

/** Each leaf of objects and arrays where `after` differs from `before`, in key order. */
export function outputChanges(before: unknown, after: unknown, at = ""): OutputChange[] {
  const container = (v: unknown) => typeof v === "object" && v !== null;
  if (!container(before) || !container(after) || Array.isArray(before) !== Array.isArray(after)) {
    if (JSON.stringify(before) === JSON.stringify(after)) return [];
    return [
      {
        path: at,
        ...(before !== undefined && { before }),
        ...(after !== undefined && { after }),
      },
    ];
  }
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const keys = new Set([...Object.keys(b), ...Object.keys(a)]);
  return [...keys].flatMap((k) => outputChanges(b[k], a[k], at === "" ? k : `${at}.${k}`));
}

/** Dotted paths where `after` differs from `before` (leaves of objects and arrays; "" for the whole). */
export function changedPaths(before: unknown, after: unknown): string[] {
  return outputChanges(before, after).map((c) => c.path);
}
