/** Small formatting helpers: durations a person reads at a glance, times, numbers. */

/** "45s", "4m", "1h 20m", "2d 3h". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(Math.abs(ms) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** "due in 4m" / "overdue by 12m", and whether it needs attention (< 15 minutes or overdue). */
export function slaText(deadline: string | null, now: number): { text: string; urgent: boolean } {
  if (!deadline) return { text: "no SLA", urgent: false };
  const left = Date.parse(deadline) - now;
  if (left < 0) return { text: `overdue by ${duration(-left)}`, urgent: true };
  return { text: `due in ${duration(left)}`, urgent: left < 15 * 60 * 1000 };
}

export function time(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  return sameDay
    ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : d.toLocaleString([], {
        year: "numeric",
        month: "short",
        day: "numeric",
        hour: "2-digit",
        minute: "2-digit",
      });
}

export function ago(iso: string, now: number): string {
  const ms = now - Date.parse(iso);
  return ms < 0 ? `in ${duration(-ms)}` : `${duration(ms)} ago`;
}

export function pct(p: number): string {
  return `${Math.round(p * 1000) / 10}%`;
}

export function num2(x: number): string {
  return x.toFixed(2);
}

/** `snake_case` and `dotted.names` as words a person reads: "supplier_unknown" → "supplier unknown". */
export function words(code: string): string {
  return code.replace(/[_]+/g, " ");
}

export const PATTERN_NAMES: Record<string, string> = {
  review_and_approve: "Review & approve",
  exception_routing: "Exception routing",
  active_learning: "Active learning",
  decision_support: "Decision support",
  preference_ranking: "Preference ranking",
};

export const VERDICT_PAST: Record<string, string> = {
  approve: "Approved",
  edit: "Edited",
  reject: "Rejected",
  override: "Overridden",
  label: "Labelled",
  rank: "Ranked",
  done: "Done by a person",
  respond: "Answered in the tool's place",
  request_changes: "Changes requested",
};

/** JSON for display: strings as they are, everything else pretty-printed. */
export function show(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  return JSON.stringify(value, null, 2);
}
