import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { GateOutcome } from "./gate.js";

/**
 * The tool result the host's model reads when the upstream was not called. Each is an error result
 * (the tool did not run) except a person's answer, which stands in for the tool's: an error result
 * is also what the MCP client accepts without the tool's output schema.
 * `structuredContent` says what happened in a form an agent can branch on (`retry: false`: do not ask
 * again for the same thing).
 */
export function resultOf(
  outcome: Exclude<GateOutcome, { kind: "run" }>,
  caseLink: (id: string) => string,
): CallToolResult {
  switch (outcome.kind) {
    case "respond": {
      const { answer } = outcome;
      const text = typeof answer === "string" ? answer : JSON.stringify(answer);
      const structured =
        answer !== null && typeof answer === "object" && !Array.isArray(answer)
          ? { structuredContent: answer as Record<string, unknown> }
          : {};
      return { content: [{ type: "text", text }], ...structured };
    }
    case "reject":
      return notRun(
        {
          caseId: outcome.caseId,
          verdict: "reject",
          reasonCode: outcome.reasonCode,
          note: outcome.note,
          retry: false,
        },
        `Rejected by a person (${outcome.reasonCode ?? "no reason code"})${outcome.note ? `: ${outcome.note}` : ""}. The tool was not run. Do not call it again for the same thing.`,
      );
    case "request_changes":
      return notRun(
        { caseId: outcome.caseId, verdict: "request_changes", note: outcome.note, retry: true },
        `Not run: the reviewer asks for changes: ${outcome.note ?? "(no feedback)"}. Revise the arguments and call the tool again.`,
      );
    case "done":
      return notRun(
        { caseId: outcome.caseId, verdict: "done", note: outcome.note, retry: false },
        `A person did this themselves${outcome.note ? ` (${outcome.note})` : ""}; the tool was not run. Do not call it again.`,
      );
    case "pending": {
      const held = outcome.releaseAt ? ` (decided, held until ${outcome.releaseAt})` : "";
      return notRun(
        {
          caseId: outcome.caseId,
          status: "pending",
          route: outcome.route,
          link: caseLink(outcome.caseId),
          retry: true,
          ...(outcome.releaseAt && { releaseAt: outcome.releaseAt }),
        },
        `Not run yet: case ${outcome.caseId} is waiting for a person${held} (${caseLink(outcome.caseId)}). Call the tool again with exactly the same arguments to keep waiting for the same case; do not act meanwhile.`,
      );
    }
    case "refused":
      return notRun(
        { status: "refused", retry: false },
        `Loopgate refused the call, so the tool was not run: ${outcome.text}`,
      );
    case "unverified":
      return notRun(
        { caseId: outcome.caseId, status: "unverified", retry: false },
        `Not run: ${outcome.why}.`,
      );
  }
}

function notRun(structuredContent: Record<string, unknown>, text: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text }], structuredContent };
}
