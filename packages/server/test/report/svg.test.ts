import { describe, expect, it } from "vitest";
import {
  barChart,
  lineChart,
  niceCountScale,
  niceDurationScale,
  niceScale,
  rateBar,
} from "../../src/report/svg.js";
import { attributes, unbalancedTags } from "./markup.js";

const days = (n: number) => Array.from({ length: n }, (_, i) => `2026-11-${String(i + 1).padStart(2, "0")}`);
const asIs = (v: number) => String(v);

/** The vertices of every path in one series' group, as [x, y] numbers. */
function vertices(svg: string, series: string): number[][] {
  const group = new RegExp(`<g class="series" data-series="${series}">(.*?)</g>`).exec(svg)?.[1] ?? "";
  return attributes(group, "path", "d").flatMap((d) =>
    d
      .slice(1)
      .split(" L")
      .map((p) => p.split(",").map(Number)),
  );
}

describe("lineChart", () => {
  it("draws one vertex and one marker per point of a series", () => {
    for (const n of [1, 2, 7, 31]) {
      const values = Array.from({ length: n }, (_, i) => (i * 37) % 11);
      const svg = lineChart({
        title: "Rate",
        labels: days(n),
        series: [{ name: "s", values }],
        format: asIs,
      });
      const v = vertices(svg, "s");
      expect(v).toHaveLength(n);
      expect(v.flat().every(Number.isFinite)).toBe(true);
      expect(svg.match(/<circle /g)).toHaveLength(n);
      expect(unbalancedTags(svg)).toEqual([]);
    }
  });

  it("places higher values higher and days left to right", () => {
    const svg = lineChart({
      title: "t",
      labels: days(3),
      series: [{ name: "s", values: [1, 3, 2] }],
      format: asIs,
    });
    const [a, b, c] = vertices(svg, "s") as [number[], number[], number[]];
    expect(a[0]).toBeLessThan(b[0] as number);
    expect(b[0]).toBeLessThan(c[0] as number);
    // SVG y grows downwards: the largest value has the smallest y.
    expect(b[1]).toBeLessThan(c[1] as number);
    expect(c[1]).toBeLessThan(a[1] as number);
  });

  it("leaves a gap where a day has no figure instead of drawing through it", () => {
    const svg = lineChart({
      title: "t",
      labels: days(5),
      series: [{ name: "s", values: [0.2, null, 0.4, 0.5, null] }],
      format: asIs,
      yMax: 1,
    });
    expect(attributes(svg, "path", "d")).toHaveLength(2);
    expect(vertices(svg, "s")).toHaveLength(3);
  });

  it("shows a 'No data' panel for no days or only missing values, with no NaN anywhere", () => {
    for (const o of [
      { labels: [], series: [{ name: "s", values: [] }] },
      { labels: days(3), series: [{ name: "s", values: [null, null, null] }] },
      { labels: days(2), series: [] },
    ]) {
      const svg = lineChart({ title: "Escalation", format: asIs, ...o });
      expect(svg).toContain("No data in this window");
      expect(svg).not.toMatch(/NaN|Infinity|undefined/);
      expect(svg).not.toContain("<path");
      expect(svg).toMatch(/aria-label="Escalation\. No data in this window"/);
      expect(unbalancedTags(svg)).toEqual([]);
    }
  });

  it("keeps all-zero values on a finite axis", () => {
    const svg = lineChart({
      title: "t",
      labels: days(3),
      series: [{ name: "s", values: [0, 0, 0] }],
      format: asIs,
    });
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(vertices(svg, "s")).toHaveLength(3);
  });

  it("labels the y axis with round ticks up to a round top", () => {
    const svg = lineChart({
      title: "t",
      labels: days(2),
      series: [{ name: "s", values: [40, 130] }],
      format: asIs,
    });
    const ticks = [...svg.matchAll(/text-anchor="end"[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(ticks).toEqual(["0", "50", "100", "150", "200"]);
  });

  it("thins the day labels when they would not fit, keeping the first and the last", () => {
    const labels = days(30);
    const svg = lineChart({
      title: "t",
      labels,
      series: [{ name: "s", values: labels.map(() => 1) }],
      format: asIs,
    });
    const shown = [...svg.matchAll(/text-anchor="middle"[^>]*>(2026-[^<]*)</g)].map((m) => m[1]);
    expect(shown.length).toBeLessThan(30);
    // No two day labels (about 60 px wide) overlap, the forced last one included.
    const xs = [...svg.matchAll(/<text x="([\d.]+)"[^>]*text-anchor="middle"[^>]*>2026-/g)].map((m) =>
      Number(m[1]),
    );
    for (let i = 1; i < xs.length; i++)
      expect((xs[i] as number) - (xs[i - 1] as number)).toBeGreaterThanOrEqual(62);
    expect(shown[0]).toBe("2026-11-01");
    expect(shown.at(-1)).toBe("2026-11-30");
  });

  it("is accessible: a role, an aria-label and a <title>, and a legend naming each series", () => {
    const svg = lineChart({
      title: "Rates per day",
      labels: days(2),
      series: [
        { name: "Escalation rate", values: [0.5, 0.25] },
        { name: "Override rate", values: [0.1, 0.2] },
      ],
      format: asIs,
      yMax: 1,
    });
    expect(svg).toMatch(/^<svg [^>]*role="img"/);
    expect(svg).toMatch(/aria-label="Rates per day\. Escalation rate: 2 points/);
    expect(svg).toMatch(/<title>Rates per day\./);
    expect(svg).toMatch(/<g class="legend">.*Escalation rate.*Override rate/);
    // Each point says what it is when hovered (no script needed).
    expect(svg).toContain("<title>Override rate, 2026-11-02: 0.2</title>");
  });

  it("escapes every text it writes", () => {
    const evil = `<script>alert("x")</script>&'`;
    const svg = lineChart({
      title: evil,
      labels: [evil],
      series: [{ name: evil, values: [1] }],
      format: () => evil,
    });
    expect(svg).not.toContain("<script");
    expect(svg).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;");
    expect(unbalancedTags(svg)).toEqual([]);
  });
});

describe("barChart", () => {
  it("draws one bar per item, lengths proportional to the values", () => {
    const svg = barChart({
      title: "Reasons",
      bars: [
        { label: "wrong_amount", value: 8 },
        { label: "wrong_payee", value: 4 },
        { label: "other", value: 2 },
      ],
      format: asIs,
    });
    const widths = attributes(svg, "rect", "width").map(Number);
    expect(widths).toHaveLength(3);
    expect((widths[0] as number) / (widths[1] as number)).toBeCloseTo(2, 5);
    expect((widths[1] as number) / (widths[2] as number)).toBeCloseTo(2, 5);
    expect(svg).toMatch(/>wrong_amount<.*>wrong_payee<.*>other</);
    expect(unbalancedTags(svg)).toEqual([]);
  });

  it("writes each bar's note after it and in its tooltip, and shortens long labels only on screen", () => {
    const long = "a_reason_code_that_is_much_longer_than_the_label_column";
    const svg = barChart({
      title: "t",
      bars: [{ label: long, value: 3, note: "3 (25% of decisions)" }],
      format: asIs,
    });
    expect(svg).toContain(">3 (25% of decisions)</text>");
    expect(svg).toContain(`<title>${long}: 3 (25% of decisions)</title>`);
    expect(svg).toContain(">a_reason_code_that_is_much_…</text>");
  });

  it("shows 'No data' for no bars, with no NaN", () => {
    const svg = barChart({ title: "Triggers", bars: [], format: asIs });
    expect(svg).toContain("No data in this window");
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(svg).not.toContain('fill="#1f5fa8"');
  });

  it("escapes labels such as a reason code '<script>'", () => {
    const svg = barChart({ title: "t", bars: [{ label: "<script>", value: 1 }], format: asIs });
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("&lt;script&gt;");
  });
});

describe("niceScale and rateBar", () => {
  it("rounds the axis top up to 1, 2, 2.5 or 5 × 10^k, with round steps", () => {
    expect(niceScale(0.37)).toEqual({ top: 0.5, step: 0.1 });
    expect(niceScale(130)).toEqual({ top: 200, step: 50 });
    expect(niceScale(2.2)).toEqual({ top: 2.5, step: 0.5 });
    expect(niceScale(1000)).toEqual({ top: 1000, step: 250 });
    expect(niceScale(0)).toEqual({ top: 1, step: 0.25 });
  });

  it("gives a count axis whole-number ticks", () => {
    expect(niceCountScale(2)).toEqual({ top: 2, step: 1 });
    expect(niceCountScale(3)).toEqual({ top: 5, step: 1 });
    expect(niceCountScale(1)).toEqual({ top: 1, step: 1 });
    expect(niceCountScale(30)).toEqual({ top: 50, step: 10 });
    const svg = barChart({
      title: "t",
      bars: [{ label: "a", value: 2 }],
      format: asIs,
      scale: niceCountScale,
    });
    expect([...svg.matchAll(/text-anchor="middle"[^>]*>([^<]*)</g)].map((m) => m[1])).toEqual([
      "0",
      "1",
      "2",
    ]);
  });

  it("rounds a duration axis in the unit that suits it", () => {
    expect(niceDurationScale(45)).toEqual({ top: 50, step: 10 });
    expect(niceDurationScale(1118)).toEqual({ top: 1200, step: 300 }); // 18.6 min → 20 min, every 5
    expect(niceDurationScale(4 * 3600 + 1)).toEqual({ top: 5 * 3600, step: 3600 });
    expect(niceDurationScale(3 * 86_400)).toEqual({ top: 5 * 86_400, step: 86_400 });
  });

  it("fills a rate bar to the rate, and shows a dash when there is no rate", () => {
    const bar = rateBar(0.25, "Override rate of <bob>: 25%");
    expect(attributes(bar, "rect", "width")).toEqual(["100", "25"]);
    expect(bar).toContain('aria-label="Override rate of &lt;bob&gt;: 25%"');
    expect(rateBar(null, "x")).not.toContain("<svg");
  });
});
