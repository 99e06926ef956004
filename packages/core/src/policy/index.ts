export { evaluatePolicy } from "./evaluate.js";
export { buildPolicySet, type PolicySet, parseWorkflow } from "./parse.js";
export type { Workflow } from "./workflow.js";
