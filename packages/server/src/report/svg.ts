import { escapeText as esc } from "./escape.js";

/**
 * Static SVG charts for the governance report: a line chart over categories (days) and a horizontal
 * bar chart, both readable without JavaScript, printable and labelled for screen readers (`role="img"`,
 * `aria-label`, `<title>`). Pure string building: the report has no DOM to render a chart library into.
 * Every text is escaped; every coordinate is a finite number (no data gives a "No data" panel, never NaN).
 */

export interface LineSeries {
  name: string;
  /** One value per label; null leaves a gap in the line. */
  values: readonly (number | null)[];
}

export interface LineChartOptions {
  title: string;
  /** The x categories, in order (e.g. UTC days). */
  labels: readonly string[];
  series: readonly LineSeries[];
  /** Formats a value for the y ticks and each point's tooltip. */
  format: (value: number) => string;
  /** Top of the y axis; by default `scale` of the largest value. */
  yMax?: number;
  /** The axis top and tick step for the largest value; `niceScale` by default. */
  scale?: (max: number) => { top: number; step: number };
  width?: number;
  height?: number;
}

export interface Bar {
  label: string;
  value: number;
  /** Shown after the bar; `format(value)` when absent. */
  note?: string;
}

export interface BarChartOptions {
  title: string;
  bars: readonly Bar[];
  format: (value: number) => string;
  /** The axis end and tick step for the largest value; `niceScale` by default. */
  scale?: (max: number) => { top: number; step: number };
  width?: number;
}

/** Colours and dash patterns per series: the dashes keep series apart in a grey-scale print. */
const STROKES = [
  { color: "#1f5fa8", dash: "" },
  { color: "#b4541a", dash: "6 4" },
  { color: "#3d7a3d", dash: "2 3" },
];
const FONT = 'font-family="system-ui, sans-serif" font-size="11"';
const TITLE_FONT = 'font-family="system-ui, sans-serif" font-size="13" font-weight="600"';
const MARGIN = { top: 34, right: 36, bottom: 36, left: 56 };

/** Two decimals at most: enough for a chart, and no 1e-17 noise in the markup. */
const n = (v: number): string => String(Math.round(v * 100) / 100);

/**
 * The smallest "nice" number (1, 2, 2.5 or 5 × 10^k) at or above `max`, and a round step that splits
 * it into four or five ticks (1 by 0.25, 2 by 0.5, 2.5 by 0.5, 5 by 1). A max of 0 (or less) gives 0..1.
 */
export function niceScale(max: number): { top: number; step: number } {
  if (!(max > 0) || !Number.isFinite(max)) return { top: 1, step: 0.25 };
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const m = [1, 2, 2.5, 5, 10].find((f) => f * magnitude >= max * (1 - 1e-12)) as number;
  const top = m * magnitude;
  return { top, step: top / (m === 1 || m === 2 ? 4 : 5) };
}

/** `niceScale` for counts: whole-number ticks (a largest count of 3 gives 0, 1, 2, 3). */
export function niceCountScale(max: number): { top: number; step: number } {
  const nice = niceScale(max);
  return nice.step >= 1 ? nice : { top: Math.max(1, Math.ceil(max)), step: 1 };
}

/** `niceScale` in the unit that suits the largest duration: seconds, minutes, hours or days. */
export function niceDurationScale(maxSeconds: number): { top: number; step: number } {
  const unit = maxSeconds < 90 ? 1 : maxSeconds < 90 * 60 ? 60 : maxSeconds < 48 * 3600 ? 3600 : 86_400;
  const { top, step } = niceScale(maxSeconds / unit);
  return { top: top * unit, step: step * unit };
}

/** 0, step, 2·step … top, each computed from its index so no floating-point error piles up. */
function ticks(top: number, step: number): number[] {
  return Array.from({ length: Math.round(top / step) + 1 }, (_, k) => k * step);
}

function open(title: string, width: number, height: number, summary: string): string {
  const label = summary ? `${title}. ${summary}` : title;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" aria-label="${esc(label)}"><title>${esc(label)}</title>` +
    `<text x="${MARGIN.left}" y="18" ${TITLE_FONT} fill="#222">${esc(title)}</text>`
  );
}

function noData(title: string, width: number, height: number): string {
  return (
    `${open(title, width, height, "No data in this window")}` +
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${width - MARGIN.left - MARGIN.right}" ` +
    `height="${height - MARGIN.top - MARGIN.bottom}" fill="none" stroke="#ccc" stroke-dasharray="4 3"/>` +
    `<text class="no-data" x="${n(width / 2)}" y="${n(height / 2)}" text-anchor="middle" ${FONT} ` +
    `fill="#666">No data in this window</text></svg>`
  );
}

const finite = (v: number | null | undefined): v is number => typeof v === "number" && Number.isFinite(v);

/** A line per series over shared categories, with a y axis from 0 and a legend when there are several. */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 640;
  const height = o.height ?? 220;
  const values = o.series.flatMap((s) => s.values.filter(finite));
  if (o.labels.length === 0 || values.length === 0) return noData(o.title, width, height);

  const { top, step } =
    o.yMax !== undefined ? { top: o.yMax, step: o.yMax / 4 } : (o.scale ?? niceScale)(Math.max(...values));
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const count = o.labels.length;
  const x = (i: number) => MARGIN.left + (count === 1 ? plotW / 2 : (i * plotW) / (count - 1));
  const y = (v: number) => MARGIN.top + plotH - (Math.min(Math.max(v, 0), top) / top) * plotH;

  const summary = o.series
    .map((s) => {
      const vs = s.values.filter(finite);
      return `${s.name}: ${vs.length} points from ${o.labels[0]} to ${o.labels[count - 1]}`;
    })
    .join("; ");
  const parts = [open(o.title, width, height, summary)];

  // Y axis: grid lines and tick labels.
  for (const t of ticks(top, step)) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${n(y(t))}" y2="${n(y(t))}" stroke="#e4e4e4"/>`,
      `<text x="${MARGIN.left - 6}" y="${n(y(t) + 4)}" text-anchor="end" ${FONT} fill="#555">${esc(o.format(t))}</text>`,
    );
  }
  // X axis: every label when they fit, else every k-th (the first and the last always).
  const every = Math.max(1, Math.ceil(count / Math.max(1, Math.floor(plotW / 72))));
  parts.push(
    `<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#888"/>`,
  );
  o.labels.forEach((label, i) => {
    // The last label is always shown; a regular one too close before it would overlap it.
    const shown = i === count - 1 || (i % every === 0 && count - 1 - i >= every);
    if (!shown) return;
    parts.push(
      `<line x1="${n(x(i))}" x2="${n(x(i))}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH + 4}" stroke="#888"/>`,
      `<text x="${n(x(i))}" y="${MARGIN.top + plotH + 16}" text-anchor="middle" ${FONT} fill="#555">${esc(label)}</text>`,
    );
  });

  o.series.forEach((s, si) => {
    const stroke = STROKES[si % STROKES.length] as (typeof STROKES)[number];
    // A null value breaks the line: the gap says "no figure that day" rather than drawing through it.
    const segments: string[][] = [];
    let current: string[] | null = null;
    const dots: string[] = [];
    s.values.forEach((v, i) => {
      if (!finite(v)) {
        current = null;
        return;
      }
      const point = `${n(x(i))},${n(y(v))}`;
      if (current) current.push(point);
      else {
        current = [point];
        segments.push(current);
      }
      dots.push(
        `<circle cx="${n(x(i))}" cy="${n(y(v))}" r="3" fill="${stroke.color}">` +
          `<title>${esc(`${s.name}, ${o.labels[i] ?? ""}: ${o.format(v)}`)}</title></circle>`,
      );
    });
    const paths = segments.map(
      (seg) =>
        `<path d="M${seg.join(" L")}" fill="none" stroke="${stroke.color}" stroke-width="2"` +
        `${stroke.dash ? ` stroke-dasharray="${stroke.dash}"` : ""}/>`,
    );
    parts.push(`<g class="series" data-series="${esc(s.name)}">${paths.join("")}${dots.join("")}</g>`);
  });

  if (o.series.length > 1) {
    let lx = width - MARGIN.right;
    const legend: string[] = [];
    for (let si = o.series.length - 1; si >= 0; si--) {
      const s = o.series[si] as LineSeries;
      const stroke = STROKES[si % STROKES.length] as (typeof STROKES)[number];
      const textW = s.name.length * 6.2;
      lx -= textW;
      legend.push(
        `<text x="${n(lx)}" y="18" ${FONT} fill="#333">${esc(s.name)}</text>` +
          `<line x1="${n(lx - 24)}" x2="${n(lx - 4)}" y1="14" y2="14" stroke="${stroke.color}" stroke-width="2"` +
          `${stroke.dash ? ` stroke-dasharray="${stroke.dash}"` : ""}/>`,
      );
      lx -= 36;
    }
    // Laid out from the right edge, written in series order.
    parts.push(`<g class="legend">${legend.reverse().join("")}</g>`);
  }
  parts.push("</svg>");
  return parts.join("");
}

const LABEL_CHARS = 28;
const ROW = 22;

/** Horizontal bars, largest first as given, with the label on the left and the value after the bar. */
export function barChart(o: BarChartOptions): string {
  const width = o.width ?? 640;
  const bars = o.bars.filter((b) => finite(b.value));
  const left = 190;
  const right = 90;
  const height = MARGIN.top + Math.max(1, bars.length) * ROW + 30;
  if (bars.length === 0) return noData(o.title, width, Math.max(height, 120));

  const { top, step } = (o.scale ?? niceScale)(Math.max(...bars.map((b) => b.value)));
  const plotW = width - left - right;
  const x = (v: number) => left + (Math.min(Math.max(v, 0), top) / top) * plotW;
  const axisY = MARGIN.top + bars.length * ROW;
  const summary = bars.map((b) => `${b.label}: ${b.note ?? o.format(b.value)}`).join("; ");
  const parts = [open(o.title, width, height, summary)];

  for (const t of ticks(top, step)) {
    parts.push(
      `<line x1="${n(x(t))}" x2="${n(x(t))}" y1="${MARGIN.top - 4}" y2="${axisY}" stroke="#e4e4e4"/>`,
      `<line x1="${n(x(t))}" x2="${n(x(t))}" y1="${axisY}" y2="${axisY + 4}" stroke="#888"/>`,
      `<text x="${n(x(t))}" y="${axisY + 16}" text-anchor="middle" ${FONT} fill="#555">${esc(o.format(t))}</text>`,
    );
  }
  parts.push(`<line x1="${left}" x2="${left}" y1="${MARGIN.top - 4}" y2="${axisY}" stroke="#888"/>`);
  bars.forEach((b, i) => {
    const rowY = MARGIN.top + i * ROW;
    const shown = b.label.length > LABEL_CHARS ? `${b.label.slice(0, LABEL_CHARS - 1)}…` : b.label;
    const note = b.note ?? o.format(b.value);
    parts.push(
      `<g class="bar"><title>${esc(`${b.label}: ${note}`)}</title>` +
        `<text x="${left - 8}" y="${rowY + 15}" text-anchor="end" ${FONT} fill="#222">${esc(shown)}</text>` +
        `<rect x="${left}" y="${rowY + 4}" width="${n(x(b.value) - left)}" height="${ROW - 8}" fill="#1f5fa8"/>` +
        `<text x="${n(x(b.value) + 6)}" y="${rowY + 15}" ${FONT} fill="#333">${esc(note)}</text></g>`,
    );
  });
  parts.push("</svg>");
  return parts.join("");
}

/** A small 0–100 % bar for a table cell; null (nothing to measure) gives a dash. */
export function rateBar(rate: number | null, label: string): string {
  if (!finite(rate)) return `<span class="muted" aria-label="${esc(`${label}: no figure`)}">–</span>`;
  const w = Math.round(Math.min(Math.max(rate, 0), 1) * 100);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="rate-bar" role="img" width="100" height="10" viewBox="0 0 100 10" ` +
    `aria-label="${esc(label)}"><title>${esc(label)}</title>` +
    `<rect x="0" y="0" width="100" height="10" fill="#e8e8e8"/><rect x="0" y="0" width="${w}" height="10" fill="#b4541a"/></svg>`
  );
}
