import { HttpProblem } from "./problem.js";

/**
 * Query-string checks the schemas cannot express, shared by the report routes (metrics, thresholds,
 * shadow mode, exports, ...): each failure is a 400 shaped like the schema validation's own.
 */

/** A date, or a date and time with an optional offset: 2026-11-02, 2026-11-02T09:30:00Z, …+01:00. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** A 400 like the query-string validation's own, naming the field. */
export function badQuery(field: string, message: string): HttpProblem {
  return new HttpProblem(400, "Invalid request", `${field} ${message}`, {
    field,
    errors: [{ field, message }],
  });
}

export function parseTime(value: string | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = ISO_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw badQuery(
      field,
      `must be an ISO 8601 date or date-time (e.g. 2026-11-02T09:00:00Z), got "${value}"`,
    );
  }
  return ms;
}
