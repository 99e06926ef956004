export { type CaseDetails, type LoopgateCanUseToolOptions, loopgateCanUseTool } from "./can-use-tool.js";
