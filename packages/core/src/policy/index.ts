export { blindExplanation, inBlindSample } from "./blind.js";
export { evaluatePolicy } from "./evaluate.js";
export { escalationFields, fieldsRead, fieldsReadFromAst } from "./fields-read.js";
export { DEFAULT_DIGEST, type NotifySettings, type SlackTarget } from "./notify.js";
export { buildPolicySet, type PolicySet, parseWorkflow } from "./parse.js";
export {
  type CaseEvidence,
  type Correctness,
  correctnessOf,
  type ExpectedErrors,
  expressionFailures,
  type HistoricalCase,
  PolicyComparison,
  type RouteChange,
  type RoutedPair,
  type Routing,
  replayCase,
  requestedRiskClass,
  type SimulationReport,
  simulatePolicy,
} from "./simulate.js";
export type { Action, RiskClass, SuspendedSubmit, Workflow, WorkloadLimits } from "./workflow.js";
export { RETENTION_MIN_DAYS, retentionDays } from "./workflow.js";
