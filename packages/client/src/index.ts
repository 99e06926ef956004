export { Loopgate, type LoopgateOptions, type WaitOptions } from "./client.js";
export { outputHashOf, type SignedDecision, verifyDecision } from "./decision-signature.js";
export {
  ChangesRequested,
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
  type ToolCallGate,
  type ToolOutcome,
  toolOutcomeOf,
  toolResultText,
  UnverifiedDecision,
} from "./tool-decision.js";
export {
  DecisionNotVerified,
  type NotRunResult,
  type ToolCall,
  type ToolCallDetails,
  type ToolCallOutcome,
  ToolGate,
  type ToolGateOptions,
} from "./tool-gate.js";
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
