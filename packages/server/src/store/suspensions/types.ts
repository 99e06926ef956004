/** The stop button (issue 13, item 10): a workflow, or one action of it, suspended until resumed. */
export interface SuspensionRecord {
  id: string;
  workflow: string;
  /** null: the whole workflow. */
  action: string | null;
  reason: string;
  /** The user or key id that suspended. */
  suspendedBy: string;
  suspendedAt: number;
  resumedBy: string | null;
  /** null while in force. */
  resumedAt: number | null;
  resumeNote: string | null;
}

/** Whether suspension `s` covers `action` of its workflow (a workflow-wide one covers every action). */
export function covers(s: Pick<SuspensionRecord, "action">, action: string): boolean {
  return s.action === null || s.action === action;
}
