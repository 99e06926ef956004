export { canonicalJson } from "./canonical-json.js";
export { Loopgate, type LoopgateOptions, type WaitOptions } from "./client.js";
export { outputHashOf, type SignedDecision, verifyDecision } from "./decision-signature.js";
export {
  ChangesRequested,
  DecisionNotVerified,
  DecisionTimeout,
  HumanOwned,
  LoopgateApiError,
  Overridden,
  type Problem,
  Rejected,
  Responded,
} from "./errors.js";
export {
  decideToolCall,
  type NotRunOutcome,
  type ToolCall,
  type ToolCallDetails,
  type ToolCallGate,
  type ToolOutcome,
  toolCallCase,
  toolOutcomeOf,
  toolResult,
  toolResultText,
} from "./tool-decision.js";
export { ToolGate, type ToolGateOptions } from "./tool-gate.js";
export type {
  CaseInput,
  DecidedWebhook,
  Decision,
  LabelOutput,
  RankOutput,
  Revised,
  RevisionInput,
  Route,
  RouteExplanation,
  Submitted,
  Verdict,
} from "./types.js";
export { verifyWebhook, type WebhookHeaders } from "./webhook.js";
