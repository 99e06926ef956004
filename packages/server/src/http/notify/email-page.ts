import type { CaseSummary } from "../../notify/summary.js";
import { escapeText as h } from "../../report/escape.js";

/**
 * The email link's pages. No script and no inline style (the server's content security policy allows
 * neither): a plain form whose POST is the only thing that decides.
 */

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>${h(title)}</title></head><body><main><h1>${h(title)}</h1>${body}</main></body></html>`;
}

/** The confirmation page: the case's essentials and the form. Rendering it changes nothing. */
export function confirmPage(s: CaseSummary, person: string, reasons: string[], link: string): string {
  const rows = [
    ["Workflow", s.workflow],
    ["Action", s.action],
    ["Risk class", s.riskClass],
    ["Confidence", s.confidence],
    ...(s.sla ? [["SLA", s.sla]] : []),
    ["Proposal", s.proposal],
    ...(s.rationale ? [["Rationale", s.rationale]] : []),
  ];
  const table = `<table>${rows.map(([k, v]) => `<tr><th>${h(k ?? "")}</th><td>${h(v ?? "")}</td></tr>`).join("")}</table>`;
  const options = reasons.map((r) => `<option value="${h(r)}">${h(r)}</option>`).join("");
  return page(
    `Case ${s.caseId}: ${s.action}`,
    `<p>Deciding as <b>${h(person)}</b>. Nothing is decided until you press a button below; this link works once.</p>${table}
<form method="post"><input type="hidden" name="verdict" value="approve"><button type="submit">Approve</button></form>
<form method="post"><input type="hidden" name="verdict" value="reject"><label>Reason <select name="reasonCode" required>${options}</select></label> <label>Note <input name="note" maxlength="2000"></label> <button type="submit">Reject</button></form>
<p><a href="${h(link)}">Open the case in the workspace</a> to see everything before deciding.</p>`,
  );
}

export function resultPage(title: string, message: string, link?: string): string {
  return page(
    title,
    `<p>${h(message)}</p>${link ? `<p><a href="${h(link)}">Open the case in the workspace</a></p>` : ""}`,
  );
}
