export { type LoopgateCanUseToolOptions, loopgateCanUseTool } from "./can-use-tool.js";
