/** The report's inline stylesheet: system fonts only (nothing to fetch) and a print layout. */
export const REPORT_CSS = `
:root { color: #1d1d1f; background: #fff; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; }
main { max-width: 980px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 12px; }
h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; }
.muted, .note { color: #666; }
.note { font-size: 12px; display: block; }
dl.meta { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 4px 24px; margin: 0; }
dl.meta div { display: flex; gap: 8px; }
dl.meta dt { color: #666; min-width: 110px; }
dl.meta dd { margin: 0; }
dl.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 10px; margin: 0; }
.figure { border: 1px solid #ddd; border-radius: 6px; padding: 8px 10px; }
.figure dt { font-size: 12px; color: #555; }
.figure dd { margin: 2px 0 0; font-size: 20px; font-weight: 600; }
.figure dd .note { font-weight: 400; }
figure { margin: 12px 0; }
svg.chart { max-width: 100%; height: auto; display: block; }
svg.rate-bar { vertical-align: middle; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
caption { text-align: left; color: #666; font-size: 12px; padding-bottom: 4px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
th { font-size: 12px; color: #555; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
ol.alerts { padding-left: 20px; }
li.alert p { margin: 8px 0 2px; }
ul.evidence { margin: 0 0 8px; color: #333; }
footer { margin-top: 32px; font-size: 12px; color: #666; border-top: 1px solid #ddd; }
@media print {
  main { max-width: none; padding: 0; }
  section, figure, tr, li.alert { break-inside: avoid; }
  h2 { break-after: avoid; }
}
`;
