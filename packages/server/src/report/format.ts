/** How the report writes numbers, shares, durations and times (plain text; escape before use in HTML). */

/** 0.6667 → "66.7%", 0.5 → "50%"; null → "–". */
export function percent(rate: number | null | undefined): string {
  if (typeof rate !== "number" || !Number.isFinite(rate)) return "–";
  return `${trim((rate * 100).toFixed(1))}%`;
}

/** 45 → "45 s", 150 → "2.5 min", 5400 → "1.5 h", 259200 → "3 d"; null → "–". */
export function duration(seconds: number | null | undefined): string {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return "–";
  if (seconds < 90) return `${trim(seconds.toFixed(seconds < 10 ? 1 : 0))} s`;
  if (seconds < 90 * 60) return `${trim((seconds / 60).toFixed(1))} min`;
  if (seconds < 48 * 3600) return `${trim((seconds / 3600).toFixed(1))} h`;
  return `${trim((seconds / 86_400).toFixed(1))} d`;
}

/** A statistic such as a kappa: two decimals. */
export function decimal(value: number | null | undefined, digits = 2): string {
  if (typeof value !== "number" || !Number.isFinite(value)) return "–";
  return value.toFixed(digits);
}

/** A p-value or other small number: 3 significant digits. */
export function small(value: number): string {
  return value !== 0 && Math.abs(value) < 0.001 ? value.toExponential(1) : trim(value.toPrecision(3));
}

/** Epoch ms → "2026-11-02 09:00 UTC". */
export function utcTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** 12345 → "12,345". */
export function count(value: number): string {
  return value.toLocaleString("en-US");
}

/** "rubber_stamp" or "approvalRate" → "Rubber stamp" / "Approval rate". */
export function humanize(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const trim = (fixed: string): string => (fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed);
