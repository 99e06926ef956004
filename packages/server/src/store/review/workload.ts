import { type WorkloadLimits, type WorkloadRefusal, workloadRefusal } from "@loopgate/core";
import type { StoreEngine } from "../engine.js";
import type { Db } from "../rows.js";

/**
 * Workload limits at claim time (policy `review.limits`, core review/workload.ts), read inside the
 * claim's transaction. The person's row is locked first, so one person's concurrent claims (two tabs, two
 * keys) count one after another and can never take them past a limit together.
 */

const DAY_MS = 86_400_000;
/** The most decision times read for the continuous-work walk; a stretch that long is over the limit anyway. */
const RECENT_MAX = 2000;

/**
 * The workflows of `scope` whose limits this person has reached now, each with why. `person` holds every
 * id of the person (samePersonIds: the user first, then their keys).
 */
export async function workloadRefusals(
  engine: StoreEngine,
  trx: Db,
  args: {
    person: readonly string[];
    scope: readonly string[];
    limits: ReadonlyMap<string, WorkloadLimits>;
    now: number;
  },
): Promise<WorkloadRefusal[]> {
  const limited = args.scope.filter((w) => args.limits.has(w));
  if (limited.length === 0) return [];
  await lockPerson(engine, trx, args.person);
  const refusals: WorkloadRefusal[] = [];
  for (const workflow of limited) {
    const limits = args.limits.get(workflow) as WorkloadLimits;
    const facts = await workloadFacts(trx, workflow, limits, args.person, args.now);
    const refusal = workloadRefusal(workflow, limits, facts, args.now);
    if (refusal) refusals.push(refusal);
  }
  return refusals;
}

/** Serialises one person's claims: their user row, or their key's when the key belongs to no one. */
async function lockPerson(engine: StoreEngine, trx: Db, person: readonly string[]): Promise<void> {
  const [id] = person;
  if (id === undefined) return;
  const table = id.startsWith("usr_") ? "users" : "api_keys";
  await engine.lockRow(trx.selectFrom(table).select("id").where("id", "=", id)).execute();
}

async function workloadFacts(
  trx: Db,
  workflow: string,
  limits: WorkloadLimits,
  person: readonly string[],
  now: number,
) {
  const ids = [...person];
  let held = 0;
  if (limits.maxHeld !== undefined) {
    const row = await trx
      .selectFrom("cases")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("status", "=", "claimed")
      .where("lease_holder", "in", ids)
      .where("lease_expires_at", ">", now)
      .where("workflow", "=", workflow)
      .executeTakeFirst();
    held = Number(row?.n ?? 0);
  }
  // Decisions a person made count, revoked ones too: the work was done.
  const decisions = (since: number) =>
    trx
      .selectFrom("decisions")
      .innerJoin("cases", "cases.id", "decisions.case_id")
      .where("decisions.decided_by", "in", ids)
      .where("decisions.decided_at", ">=", since)
      .where("cases.workflow", "=", workflow);
  let decidedToday = 0;
  if (limits.dailyDecisions !== undefined) {
    const row = await decisions(Math.floor(now / DAY_MS) * DAY_MS)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirst();
    decidedToday = Number(row?.n ?? 0);
  }
  let recentDecisions: number[] = [];
  if (limits.continuousWorkSeconds !== undefined && limits.breakSeconds !== undefined) {
    // Two breaks back: a stretch that runs past the window still shows as one reaching its start.
    const reach = (limits.continuousWorkSeconds + 2 * limits.breakSeconds) * 1000;
    const rows = await decisions(now - reach)
      .select("decisions.decided_at as at")
      .orderBy("decisions.decided_at", "desc")
      .limit(RECENT_MAX)
      .execute();
    recentDecisions = rows.map((r) => Number(r.at));
  }
  return { held, decidedToday, recentDecisions };
}
