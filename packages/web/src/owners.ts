import type { User, WorkflowInfo } from "./types";

/**
 * The workflows the dashboard offers: admins and auditors every one in their scope, anyone else the
 * workflows they own (the session says which; the server decides what an owner may do).
 */
export function dashboardWorkflows(user: User, workflows: Map<string, WorkflowInfo>): string[] {
  if (user.role === "admin" || user.role === "auditor") return [...workflows.keys()].sort();
  return (user.owns ?? []).filter((w) => workflows.has(w)).sort();
}
