/**
 * What the commands that read storage share: their usage errors (printed as one line, exit 1, no stack
 * trace) and their time flags, in the forms `GET /v1/metrics/governance` accepts.
 */
export class UsageError extends Error {}

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;
/** The ISO forms the API accepts for since/until: 2026-11-02, 2026-11-02T09:30:00Z, …+01:00. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const SINCE_FORMS = "7d, 24h, 30m, or an ISO date or date-time (2026-11-02, 2026-11-02T09:00:00Z)";

/** `--since`: a span back from `until` (7d, 24h, 30m) or an ISO date/date-time. */
export function parseSince(value: string, until: number): number {
  const span = /^(\d+)([dhm])$/.exec(value);
  if (span && Number(span[1]) > 0) return until - Number(span[1]) * UNIT_MS[span[2] as keyof typeof UNIT_MS];
  const ms = ISO_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--since must be ${SINCE_FORMS}; got "${value}"`);
  return ms;
}

/** `--until`: an ISO date/date-time; `now` when absent. */
export function parseUntil(value: string | undefined, now: number): number {
  if (value === undefined) return now;
  const ms = ISO_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `--until must be an ISO date or date-time (2026-11-09, 2026-11-09T09:00:00Z); got "${value}"`,
    );
  }
  return ms;
}

/** Runs `loopgate <name>`: bad flags are the user's to fix, so they get the message and exit 1. */
export async function runCommand(name: string, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`loopgate ${name}: ${(err as Error).message}`);
      return 1;
    }
    throw err;
  }
}
