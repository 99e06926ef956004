import { duration } from "../../format";

/** How the dashboard writes its figures: a missing figure is "—", never 0 or NaN. */

export const NONE = "—";

/** 0.2345 → "23 %"; one decimal below 10 % so small rates do not read as zero. */
export function rate(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return NONE;
  const p = r * 100;
  return `${p > 0 && p < 10 ? p.toFixed(1) : Math.round(p)} %`;
}

/** Seconds a person reads at a glance: "2 s", "4m", "1h 20m". */
export function seconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return NONE;
  return s < 60 ? `${Math.round(s)} s` : duration(s * 1000);
}

/** Agreement statistics to two decimals (they run from −1 to 1). */
export function agreement(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return NONE;
  return x.toFixed(2);
}

/** "Nov 2" for a UTC day key "2026-11-02". */
export function dayLabel(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return day;
  return d.toLocaleDateString("en", { month: "short", day: "numeric", timeZone: "UTC" });
}

export const WINDOWS = [7, 30, 90] as const;
export type WindowDays = (typeof WINDOWS)[number];

/**
 * The start of a window of `days` UTC days ending today: the days are whole, so the first point of the
 * trend is a full day like the others. `until` is left to the server, whose clock decides "now".
 */
export function windowSince(days: number, now: number): string {
  const today = Date.UTC(
    new Date(now).getUTCFullYear(),
    new Date(now).getUTCMonth(),
    new Date(now).getUTCDate(),
  );
  return new Date(today - (days - 1) * 86_400_000).toISOString();
}
