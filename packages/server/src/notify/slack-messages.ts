import type { CaseSummary, DigestSummary } from "./summary.js";

/** Block Kit messages (https://api.slack.com/block-kit): a waiting case, a digest, the decided state. */

/** The action ids of the interactive elements; the interactions endpoint accepts these only. */
export const APPROVE_ACTION = "loopgate_approve";
export const REJECT_ACTION = "loopgate_reject";

/** Slack's mrkdwn treats &, < and > as control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
function mrkdwnEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function facts(s: CaseSummary, link: string) {
  const e = mrkdwnEscape;
  const lines = [
    `*${e(s.workflow)}* · action *${e(s.action)}* · risk ${e(s.riskClass)} · confidence ${s.confidence}`,
    ...(s.sla ? [`:alarm_clock: ${e(s.sla)}`] : []),
    `Proposal: \`${e(s.proposal)}\``,
    ...(s.rationale ? [`Rationale: ${e(s.rationale)}`] : []),
    `<${link}|Open case ${e(s.caseId)} in the workspace>`,
  ];
  return { type: "section", text: { type: "mrkdwn", text: lines.join("\n") } };
}

/**
 * A case waiting for review, with Approve and a Reject menu: a reject needs a reason code from the
 * workflow's taxonomy, so each option is one. The buttons decide only for a mapped person with the
 * authority; anyone else gets an ephemeral refusal.
 */
export function caseMessage(s: CaseSummary, link: string, reasons: string[]) {
  const text = `Case ${s.caseId} of ${s.workflow} (${s.action}) is waiting for review`;
  return {
    text,
    blocks: [
      { type: "header", text: { type: "plain_text", text: "Waiting for review" } },
      facts(s, link),
      {
        type: "actions",
        block_id: "loopgate_decide",
        elements: [
          {
            type: "button",
            action_id: APPROVE_ACTION,
            style: "primary",
            text: { type: "plain_text", text: "Approve" },
            value: s.caseId,
          },
          {
            type: "static_select",
            action_id: REJECT_ACTION,
            placeholder: { type: "plain_text", text: "Reject with reason…" },
            // Slack allows 100 options; a taxonomy longer than that is rejected in the workspace.
            options: reasons.slice(0, 100).map((r) => ({
              text: { type: "plain_text", text: r },
              value: `${s.caseId} ${r}`,
            })),
          },
        ],
      },
    ],
  };
}

/** The message after a decision: the facts, who decided, no buttons (replaces the original). */
export function decidedMessage(s: CaseSummary, link: string, outcome: string) {
  return {
    replace_original: true,
    text: `${outcome}: case ${s.caseId}`,
    blocks: [
      facts(s, link),
      { type: "context", elements: [{ type: "mrkdwn", text: mrkdwnEscape(outcome) }] },
    ],
  };
}

/** Only the person who clicked sees it; the original message stays. */
export function ephemeral(text: string) {
  return { response_type: "ephemeral", replace_original: false, text };
}

export function digestMessage(d: DigestSummary, queue: string) {
  const e = mrkdwnEscape;
  const per = d.byAction.map((a) => `${e(a.action)}: ${a.count}`).join(" · ");
  const text = `${d.count} cases of ${d.workflow} are waiting for review`;
  return {
    text,
    blocks: [
      {
        type: "section",
        text: { type: "mrkdwn", text: `*${e(d.workflow)}*: ${d.count} new cases waiting for review\n${per}` },
      },
      { type: "section", text: { type: "mrkdwn", text: `<${queue}|Open the queue>` } },
    ],
  };
}
