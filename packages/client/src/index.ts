export { Loopgate, type LoopgateOptions, type WaitOptions } from "./client.js";
export { outputHashOf, type SignedDecision, verifyDecision } from "./decision-signature.js";
export {
  DecisionTimeout,
  HumanOwned,
  LoopgateApiError,
  Overridden,
  type Problem,
  Rejected,
} from "./errors.js";
export {
  decideToolCall,
  type ToolCallGate,
  type ToolOutcome,
  toolOutcomeOf,
  toolResultText,
  UnverifiedDecision,
} from "./tool-decision.js";
export type {
  CaseInput,
  DecidedWebhook,
  Decision,
  LabelOutput,
  RankOutput,
  Route,
  RouteExplanation,
  Submitted,
  Verdict,
} from "./types.js";
export { verifyWebhook, type WebhookHeaders } from "./webhook.js";
