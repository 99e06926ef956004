/**
 * How `audit verify` tells a purge from a deletion (verify.ts). A purge appends a
 * `cases_purged` event to the system chain listing each case it removed with its chain's length and
 * head hash (store/retention). That event is hash-chained and checkpointed like any other row, so a
 * checkpointed chain that is gone is accounted for when a purge record names it, at a length at least
 * the signed one, with the same head where the lengths are equal. Anything else is still a deletion.
 */

/** What a purge said of one case's chain when it removed it. */
export interface PurgeRecord {
  caseId: string;
  chainLength: number;
  chainHead: string | null;
  workflow: string;
  /** The purge event's time. */
  at: number;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The cases the `cases_purged` rows among `rows` (system chain rows, as stored) removed, by case id. */
export function purgeRecordsOf(rows: Iterable<{ [column: string]: unknown }>): Map<string, PurgeRecord> {
  const out = new Map<string, PurgeRecord>();
  for (const row of rows) {
    if (row.type !== "cases_purged") continue;
    let data: unknown;
    try {
      data = typeof row.data === "string" ? JSON.parse(row.data) : row.data;
    } catch {
      continue;
    }
    if (!isObject(data) || !Array.isArray(data.cases)) continue;
    for (const c of data.cases) {
      if (!isObject(c) || typeof c.id !== "string" || typeof c.chainLength !== "number") continue;
      out.set(c.id, {
        caseId: c.id,
        chainLength: c.chainLength,
        chainHead: typeof c.chainHead === "string" ? c.chainHead : null,
        workflow: typeof data.workflow === "string" ? data.workflow : "",
        at: Number(row.at),
      });
    }
  }
  return out;
}

/**
 * Whether `record` accounts for a chain the checkpoints signed as `signed` and that is now missing: the
 * purge saw the chain at least as long as any checkpoint did, and where a checkpoint signed the very
 * length the purge saw, the same head. A chain grown after the purge, or a head that differs, is not
 * a purge's doing.
 */
export function purgeExplains(
  record: PurgeRecord | undefined,
  signed: ReadonlyArray<{ length: number; head: string }>,
): boolean {
  if (!record) return false;
  return signed.every(
    (s) => s.length < record.chainLength || (s.length === record.chainLength && s.head === record.chainHead),
  );
}
