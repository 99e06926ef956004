import type { CaseFacts } from "@loopgate/core";
import type { CaseRecord } from "./types.js";

/** What policy rules read about a stored case (core `CaseFacts`): for the routes and the timer worker alike. */
export function caseFacts(c: CaseRecord): CaseFacts {
  return {
    action: c.action,
    input: c.input,
    proposal: c.proposal,
    confidence: c.confidence,
    context: c.context,
    metadata: c.metadata,
    subject: c.subject,
    riskClass: c.riskClass,
  };
}
