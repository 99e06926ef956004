import {
  type AgentInputItem,
  type FunctionCallItem,
  type RunContext,
  RunToolApprovalItem,
} from "@openai/agents";

/**
 * Revisions (issue 14): after a reviewer's request_changes the model reads `{verdict:
 * "request_changes", caseId, feedback, retry: true}` as the tool's result and calls the tool again.
 * That call is filed as a revision of `caseId` (`revisionOf`), so the reviewer sees the versions side by
 * side, not as a new case.
 *
 * Which call revises which case is read from the run's own history, as the AI SDK adapter reads its
 * messages: when a tool's latest result is a request for changes, the tool's next call (the first, when
 * the model calls it several times in one turn) is the revision. `submit` and `resolve` have the
 * history (the run state's); the tool's execute, which decides the call again after the run resumes,
 * does not. It must decide the same revision (the revision's idempotency is derived by the server from
 * the case it revises, so the call filed plainly would be a second, duplicate case), and it may run in
 * another process than `resolve`, from a state saved in between. So `submit` and `resolve`, filing a
 * revising call, record the link in the run state itself: in the approval record of the call the
 * reviewer asked changes on (already answered: the SDK used that message once, for the result the model
 * read), under the revising call's id. That record is serialised with the state; the execute reads it from its run
 * context. It only names which case to decide: the execute still waits for Loopgate's decision on that
 * case and verifies its signature for exactly these arguments, and approving the call in the state
 * writes no such record. (Whoever can rewrite the stored state can make a call reuse another call's
 * case, here as with an edited call id: keep the state where only your agent writes.)
 *
 * Not chosen: a process-local map from `resolve` to the execute (lost when the state resumes in another
 * process, which would then file the duplicate), and letting the server find a revision by the call's
 * own idempotency key (a revision's one key is the one derived from the case it revises, which is what
 * keeps a case to one revision; a second key per case would need a new column and a unique index).
 */

/** A tool's latest result, when it is a reviewer's request for changes, and the call it answered. */
export interface ChangesAsked {
  caseId: string;
  /** The call the reviewer asked changes on, as the model made it. */
  call: FunctionCallItem;
  /** The result the model read, as parsed JSON. */
  result: Record<string, unknown>;
}

/** Each tool's latest result in the history when it asks for changes, by the tool's name. */
export function changesAskedByTool(history: readonly AgentInputItem[]): Map<string, ChangesAsked> {
  const calls = new Map<string, FunctionCallItem>();
  const latest = new Map<string, { call: FunctionCallItem; output: unknown }>();
  for (const item of history) {
    if (item.type === "function_call") calls.set(item.callId, item);
    if (item.type !== "function_call_result") continue;
    const call = calls.get(item.callId);
    if (call) latest.set(call.name, { call, output: item.output });
  }
  const asked = new Map<string, ChangesAsked>();
  for (const [toolName, { call, output }] of latest) {
    const result = parsed(outputText(output));
    if (result?.verdict === "request_changes" && typeof result.caseId === "string") {
      asked.set(toolName, { caseId: result.caseId, call, result });
    }
  }
  return asked;
}

/** What `recordRevision` needs of a `RunState`. */
interface RejectingRun {
  reject(item: RunToolApprovalItem, options?: { message?: string }): void;
}

/**
 * Records in the run state that the interrupted call `item` revises the case of `asked`, for the
 * tool's execute to read (`recordedRevisionOf`): the request for changes the model already read,
 * rewritten with `revisedBy`, the revising call's id, as the rejection message of the call it answered.
 */
export function recordRevision(state: RejectingRun, item: RunToolApprovalItem, asked: ChangesAsked): void {
  const revisedBy = (item.rawItem as FunctionCallItem).callId;
  const answered = new RunToolApprovalItem(asked.call, item.agent, item.toolName);
  state.reject(answered, { message: JSON.stringify({ ...asked.result, revisedBy }) });
}

/** The case the call `callId` revises, as `recordRevision` recorded it in the run's context. */
export function recordedRevisionOf(runContext: RunContext<unknown>, callId: string): string | undefined {
  for (const record of Object.values(runContext.toJSON().approvals)) {
    for (const message of Object.values(record.messages ?? {})) {
      const result = parsed(message);
      if (
        result?.revisedBy === callId &&
        result.verdict === "request_changes" &&
        typeof result.caseId === "string"
      ) {
        return result.caseId;
      }
    }
  }
  return undefined;
}

/** The text of a function call's output: a string, or its text parts. */
function outputText(output: unknown): string {
  if (typeof output === "string") return output;
  const parts = Array.isArray(output) ? output : [output];
  return parts
    .map((p) =>
      typeof p === "object" && p !== null && "text" in p && typeof p.text === "string" ? p.text : "",
    )
    .join("");
}

function parsed(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
