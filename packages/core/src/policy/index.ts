export type { Workflow } from "./workflow.js";
