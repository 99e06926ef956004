export { Loopgate, type LoopgateOptions, type WaitOptions } from "./client.js";
export { DecisionTimeout, LoopgateApiError, Overridden, type Problem, Rejected } from "./errors.js";
export type {
  CaseInput,
  Decision,
  LabelOutput,
  RankOutput,
  Route,
  RouteExplanation,
  Submitted,
  Verdict,
} from "./types.js";
export { verifyWebhook } from "./webhook.js";
