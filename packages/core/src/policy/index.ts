export { blindExplanation } from "./blind.js";
export { evaluatePolicy } from "./evaluate.js";
export { escalationFields, fieldsRead, fieldsReadFromAst } from "./fields-read.js";
export { buildPolicySet, type PolicySet, parseWorkflow } from "./parse.js";
export type { Workflow } from "./workflow.js";
