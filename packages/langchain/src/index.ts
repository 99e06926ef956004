export {
  type LoopgateCaseRequest,
  LoopgateInterrupts,
  type LoopgateInterruptsOptions,
  type LoopgateResume,
  loopgateCase,
} from "./graph-interrupt.js";
export { LoopgateHitl, type LoopgateHitlOptions } from "./hitl.js";
