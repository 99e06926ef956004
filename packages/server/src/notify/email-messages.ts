import { escapeText as h } from "../report/escape.js";
import type { CaseSummary, DigestSummary } from "./summary.js";

/** Email bodies (text and HTML) for a waiting case and a digest. */

export interface Mail {
  subject: string;
  text: string;
  html: string;
}

/**
 * `decide` is the recipient's confirmation page (their own single-use link), absent for an address that
 * maps to no Loopgate user: they get the facts and the workspace link only.
 */
export function caseMail(s: CaseSummary, link: string, decide: string | undefined): Mail {
  const lines = [
    `Workflow: ${s.workflow}`,
    `Action: ${s.action}`,
    `Risk class: ${s.riskClass}`,
    `Confidence: ${s.confidence}`,
    ...(s.sla ? [`SLA: ${s.sla}`] : []),
    `Proposal: ${s.proposal}`,
    ...(s.rationale ? [`Rationale: ${s.rationale}`] : []),
  ];
  const decideText = decide
    ? `Approve or reject (opens a confirmation page; nothing is decided until you confirm there):\n${decide}\n\n`
    : "";
  return {
    subject: `[Loopgate] ${s.workflow}: ${s.action} waiting for review (${s.caseId})`,
    text: `${lines.join("\n")}\n\n${decideText}Open the case in the workspace:\n${link}\n`,
    html: `<ul>${lines.map((l) => `<li>${h(l)}</li>`).join("")}</ul>${
      decide
        ? `<p><a href="${h(decide)}">Approve or reject</a> (a confirmation page: nothing is decided until you confirm there)</p>`
        : ""
    }<p><a href="${h(link)}">Open the case in the workspace</a></p>`,
  };
}

export function digestMail(d: DigestSummary, queue: string): Mail {
  const per = d.byAction.map((a) => `${a.action}: ${a.count}`);
  return {
    subject: `[Loopgate] ${d.workflow}: ${d.count} cases waiting for review`,
    text: `${d.count} new cases of ${d.workflow} are waiting for review.\n${per.join("\n")}\n\nOpen the queue:\n${queue}\n`,
    html: `<p>${d.count} new cases of <b>${h(d.workflow)}</b> are waiting for review.</p><ul>${per
      .map((l) => `<li>${h(l)}</li>`)
      .join("")}</ul><p><a href="${h(queue)}">Open the queue</a></p>`,
  };
}
