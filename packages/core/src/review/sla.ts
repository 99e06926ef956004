import type { Workflow } from "../policy/workflow.js";
import type { Verdict } from "../types.js";

/**
 * Pure helpers for release delays and SLAs; the server's timer worker and routes use them, so the rules
 * live (and are tested) in one place.
 */

/** Reminders fire when this share of the review window has passed. */
export const REMINDER_AT = 0.8;

/** The deadline of a review window opened at `startAt`, and when to remind before it. */
export function slaTimes(startAt: number, withinSeconds: number): { reminderAt: number; dueAt: number } {
  const windowMs = withinSeconds * 1000;
  return { reminderAt: startAt + Math.floor(windowMs * REMINDER_AT), dueAt: startAt + windowMs };
}

/**
 * Verdicts that let the automation act, and so are held for `release.delaySeconds`; a reject is not,
 * nor a request for changes (nothing runs; the revision is a new case with its own review). A respond
 * is held: the answer it hands the model acts as the tool's result.
 */
export function heldOnRelease(verdict: Verdict): boolean {
  return verdict !== "reject" && verdict !== "request_changes";
}

/** 14400 -> "4h", 5400 -> "1h30m", 90 -> "1m30s", 172800 -> "2d". */
export function formatSeconds(seconds: number): string {
  if (seconds <= 0) return "0s";
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join("");
}

export interface HandoffFacts {
  /** The review window that ran out, in seconds. */
  withinSeconds: number;
  escalateTo: string;
  /** Everyone who held the case, in order: who, and how it ended ("released", "lease expired", "held"). */
  holders: Array<{ who: string; outcome: string }>;
  /** Notes left on the case so far (e.g. revoke reasons). */
  notes: string[];
}

/** The plain-language summary the next reviewer reads on an escalated case. */
export function handoffSummary(f: HandoffFacts): string {
  const lines = [`Escalated to ${f.escalateTo}: no decision within ${formatSeconds(f.withinSeconds)}.`];
  if (f.holders.length === 0) lines.push("Nobody claimed it.");
  else lines.push(`Held by: ${f.holders.map((h) => `${h.who} (${h.outcome})`).join(", ")}.`);
  for (const note of f.notes) lines.push(`Note: ${note}`);
  return lines.join("\n");
}

/** Whether a released decision on `action` may be reverted under the workflow's `reversible` setting. */
export function isReversible(wf: Pick<Workflow, "reversible">, action: string): boolean {
  return wf.reversible === true || (Array.isArray(wf.reversible) && wf.reversible.includes(action));
}
