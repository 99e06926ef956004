import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { CallToolResult, ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import type { LoopgateApi } from "./api.js";
import {
  askHumanInput,
  askHumanOutput,
  recentCorrectionsInput,
  recentCorrectionsOutput,
  requestApprovalInput,
  requestApprovalOutput,
  reviseRequestInput,
  reviseRequestOutput,
} from "./schemas.js";
import { ApiRefusal, awaitDecision, type DecisionResult } from "./wait.js";

export interface McpToolOptions {
  /** How long a call waits for a person when it does not say (waitSeconds), in seconds. */
  defaultWaitSeconds?: number;
  /** How often a waiting client hears progress, in seconds. */
  heartbeatSeconds?: number;
}

/** Under the 60 s request timeout most MCP clients use, so the answer "pending" arrives before it. */
const DEFAULT_WAIT_SECONDS = 50;
const HEARTBEAT_SECONDS = 10;
/** ask_human's questions go to this action unless the call names another. */
const QUESTION_ACTION = "ask_human";

const INSTRUCTIONS = `Loopgate puts a person in the loop before you act.
Call request_approval before any action the workflow's policy covers and run only what it answers:
verdict approve or edit → run \`output\` (an edit is the person's corrected version); reject → do not
run it and do not ask again for the same thing (see reasonCode and note); respond → do not run the
tool: \`output\` is the person's answer, use it as the tool's result; request_changes → do not run it:
\`note\` is the reviewer's feedback; revise your proposal and call revise_request with the caseId;
status pending → nobody has decided yet: call again with the same arguments and idempotencyKey to
keep waiting.
Call recent_corrections before asking to see how people corrected this action lately.
Call ask_human to put a question to the workflow's reviewers and wait for their answer.`;

/** What a tool was given, besides the submission's own fields. */
interface Waiting {
  waitSeconds?: number;
  idempotencyKey?: string;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * The Loopgate MCP server: `request_approval` and `ask_human`, answered through `api` (the caller's
 * key on this server, or on a remote one for stdio). One McpServer per connection or request.
 */
export function loopgateMcpServer(api: LoopgateApi, opts: McpToolOptions = {}): McpServer {
  const server = new McpServer({ name: "loopgate", version: "0.1.0" }, { instructions: INSTRUCTIONS });
  const ask = (submission: Record<string, unknown>, w: Waiting, extra: Extra) =>
    submitCaseAndWait(api, opts, submission, w, extra);

  server.registerTool(
    "request_approval",
    {
      title: "Ask for approval before acting",
      description:
        "Submit a proposed action to Loopgate. The workflow's policy either approves it at once or sends it to a person; the answer says what to run (output), or why not (reject).",
      inputSchema: requestApprovalInput,
      outputSchema: requestApprovalOutput,
    },
    async ({ waitSeconds, idempotencyKey, ...fields }, extra) => {
      const asked = await ask(fields, { waitSeconds, idempotencyKey }, extra);
      if ("error" in asked) return asked.error;
      const { decision: d, key } = asked;
      const result = { ...approvalResult(d), idempotencyKey: key };
      const again = `call again with the same arguments and idempotencyKey "${key}"`;
      return answer(result, d.status === "decided" ? decidedText(result.verdict, d) : pendingText(d, again));
    },
  );

  server.registerTool(
    "revise_request",
    {
      title: "Revise a request a person asked changes on",
      description:
        "After request_approval answered verdict request_changes: send your revised proposal for the same case (same workflow and action). The revision is a new case, linked to the first, that a person reviews; the answer is as request_approval's.",
      inputSchema: reviseRequestInput,
      outputSchema: reviseRequestOutput,
    },
    async ({ caseId, waitSeconds, ...revision }, extra) => {
      const path = `/v1/cases/${encodeURIComponent(caseId)}/revisions`;
      const asked = await submitAndWait(api, opts, path, revision, { waitSeconds }, extra);
      if ("error" in asked) return asked.error;
      const { decision: d, submitted } = asked;
      const result = {
        ...approvalResult(d),
        revisionOf: String(submitted.revisionOf ?? caseId),
        version: Number(submitted.version ?? 2),
      };
      const again = `call revise_request again with caseId "${caseId}" and the same revision`;
      return answer(result, d.status === "decided" ? decidedText(result.verdict, d) : pendingText(d, again));
    },
  );

  server.registerTool(
    "recent_corrections",
    {
      title: "How people corrected an action lately",
      description:
        "A workflow's recent corrections by people, newest first: edits (before and after), rejects (reason code and note), answers given in the tool's place (respond) and requested changes (the feedback). Read them before you propose, to avoid what people keep correcting.",
      inputSchema: recentCorrectionsInput,
      outputSchema: recentCorrectionsOutput,
    },
    async ({ workflow, action, limit }, extra) => {
      const query = new URLSearchParams();
      if (action !== undefined) query.set("action", action);
      if (limit !== undefined) query.set("limit", String(limit));
      const path = `/v1/workflows/${encodeURIComponent(workflow)}/corrections?${query}`;
      try {
        const res = await api("GET", path, undefined, extra.signal);
        if (res.status !== 200) throw new ApiRefusal(res);
        const body = res.body as { corrections: unknown[] };
        const text = `${body.corrections.length} recent corrections of ${workflow}${action ? ` ${action}` : ""}`;
        return answer(res.body as Record<string, unknown>, text);
      } catch (err) {
        if (extra.signal.aborted) throw err;
        const text =
          err instanceof ApiRefusal ? err.message : `Loopgate could not be reached: ${String(err)}`;
        return { isError: true, content: [{ type: "text", text }] };
      }
    },
  );

  server.registerTool(
    "ask_human",
    {
      title: "Ask a person a question",
      description:
        "Put a question to the reviewers of a workflow and wait for the answer. The workflow's policy must declare the action (ask_human unless you name another).",
      inputSchema: askHumanInput,
      outputSchema: askHumanOutput,
    },
    async (
      { workflow, question, action, suggestedAnswer, details, subject, waitSeconds, idempotencyKey },
      extra,
    ) => {
      // A question is a case like any other: the person approves the suggested answer, edits the
      // proposal's `answer` (or writes it in the note), answers it in `output` (respond), or rejects the
      // question (a request for changes to a question is a decline with the feedback in the note).
      const submission = {
        workflow,
        action: action ?? QUESTION_ACTION,
        input: { question, ...(details && { details }) },
        proposal: { answer: suggestedAnswer ?? null },
        confidence: 0,
        ...(subject && { subject }),
      };
      const asked = await ask(submission, { waitSeconds, idempotencyKey }, extra);
      if ("error" in asked) return asked.error;
      const { decision: d, key } = asked;
      const decided = d.status === "decided";
      const declined = decided && (d.verdict === "reject" || d.verdict === "request_changes");
      const result = {
        caseId: d.caseId,
        status: !decided ? ("pending" as const) : declined ? ("declined" as const) : ("answered" as const),
        answer: decided && !declined ? answerOf(d) : null,
        verdict: decided ? (d.verdict ?? null) : null,
        reasonCode: d.reasonCode ?? null,
        note: d.note ?? null,
        idempotencyKey: key,
      };
      const text = !decided
        ? pendingText(d, `call again with the same arguments and idempotencyKey "${key}"`)
        : declined
          ? `The person declined to answer (${d.reasonCode ?? "no reason code"})${d.note ? `: ${d.note}` : ""}.`
          : `The person answered: ${JSON.stringify(result.answer)}`;
      return answer(result, text);
    },
  );
  return server;
}

/**
 * Submits through `POST /v1/cases` and waits for the decision. Refusals (bad key, scope, unknown
 * action, a validation error naming the field) come back as a tool error the model can read, with no
 * case behind it.
 */
async function submitCaseAndWait(
  api: LoopgateApi,
  opts: McpToolOptions,
  fields: Record<string, unknown>,
  w: Waiting,
  extra: Extra,
): Promise<{ decision: DecisionResult; key: string } | { error: CallToolResult }> {
  // A key is always sent, so a call that ran out of time can be asked again without a second case.
  const key = w.idempotencyKey ?? `mcp-${randomUUID()}`;
  const asked = await submitAndWait(api, opts, "/v1/cases", { ...fields, idempotencyKey: key }, w, extra);
  return "error" in asked ? asked : { decision: asked.decision, key };
}

/**
 * POSTs a case (or a revision, whose idempotency the server derives from the case it revises) and
 * waits for its decision.
 */
async function submitAndWait(
  api: LoopgateApi,
  opts: McpToolOptions,
  path: string,
  body: Record<string, unknown>,
  w: Waiting,
  extra: Extra,
): Promise<{ decision: DecisionResult; submitted: Record<string, unknown> } | { error: CallToolResult }> {
  try {
    const submitted = await api("POST", path, body, extra.signal);
    if (submitted.status !== 200 && submitted.status !== 201) throw new ApiRefusal(submitted);
    const { id, route } = submitted.body as { id: string; route: string };
    const progress = progressSender(extra);
    if (route !== "auto") await progress(`Case ${id} is waiting for a person (route ${route})`);
    const decision = await awaitDecision(api, id, {
      waitSeconds: w.waitSeconds ?? opts.defaultWaitSeconds ?? DEFAULT_WAIT_SECONDS,
      heartbeatSeconds: opts.heartbeatSeconds ?? HEARTBEAT_SECONDS,
      signal: extra.signal,
      onWaiting: (waited) => progress(`Case ${id}: still waiting for a person after ${waited} s`),
    });
    return { decision, submitted: submitted.body as Record<string, unknown> };
  } catch (err) {
    // Cancelled, or the client went away: nobody is listening for an answer.
    if (extra.signal.aborted) throw err;
    const text = err instanceof ApiRefusal ? err.message : `Loopgate could not be reached: ${String(err)}`;
    return { error: { isError: true, content: [{ type: "text", text }] } };
  }
}

/**
 * Progress notifications, only to a client that asked for them (a progressToken in the call's _meta);
 * a client that resets its timeout on progress can then wait as long as the call's waitSeconds.
 */
export function progressSender(extra: Extra): (message: string) => Promise<void> {
  const token = extra._meta?.progressToken;
  let progress = 0;
  return async (message) => {
    if (token === undefined) return;
    progress += 1;
    await extra.sendNotification({
      method: "notifications/progress",
      params: { progressToken: token, progress, message },
    });
  };
}

/**
 * request_approval's (and revise_request's) answer: what to run, or why not. `output` is what to run
 * (approve, edit, override), or the person's answer to use as the tool's result (respond); null for a
 * reject and for request_changes, whose feedback is `note`.
 */
function approvalResult(d: DecisionResult) {
  const decided = d.status === "decided";
  const verdict = decided ? (d.verdict ?? null) : null;
  const nothing = verdict === "reject" || verdict === "request_changes";
  return {
    caseId: d.caseId,
    status: decided ? ("decided" as const) : ("pending" as const),
    route: d.route,
    verdict,
    output: nothing ? null : (d.output ?? null),
    reasonCode: d.reasonCode ?? null,
    note: d.note ?? null,
    ...signedFields(d),
  };
}

/**
 * The decision's signature and what it covers besides the result's own fields, as the API answered
 * them: the host program checks it with verifyDecision (@loopgate/client) before it runs `output`.
 */
function signedFields(d: DecisionResult) {
  if (d.signature === undefined) return {};
  return {
    workflow: d.workflow,
    action: d.action,
    decisionId: d.decisionId,
    decidedAt: d.decidedAt,
    outputHash: d.outputHash,
    signature: d.signature,
    signatureKeyId: d.signatureKeyId,
  };
}

/** The person's answer: the `answer` of the decided output, else the output itself, else the note. */
function answerOf(d: DecisionResult): unknown {
  const out = d.output;
  const inner =
    out !== null && typeof out === "object" && !Array.isArray(out) && "answer" in out
      ? (out as { answer: unknown }).answer
      : out;
  return inner === null || inner === undefined || inner === "" ? (d.note ?? null) : inner;
}

function answer<T extends Record<string, unknown>>(structured: T, text: string): CallToolResult {
  return {
    structuredContent: structured,
    content: [{ type: "text", text: `${text}\n${JSON.stringify(structured)}` }],
  };
}

function decidedText(verdict: string | null, d: DecisionResult): string {
  switch (verdict) {
    case "approve":
      return d.route === "auto" ? "Approved by the policy: run the output." : "Approved: run the output.";
    case "edit":
    case "override":
      return "Approved with changes: run the output as the person edited it, not your proposal.";
    case "reject":
      return `Rejected (${d.reasonCode ?? "no reason code"})${d.note ? `: ${d.note}` : ""}. Do not run it and do not ask again for the same thing.`;
    case "done":
      return "A person did this themselves: do not run it.";
    case "respond":
      return "A person answered in the tool's place: do not run the tool; use `output` as its result.";
    case "request_changes":
      return `Changes requested: do not run it. The reviewer's feedback: ${d.note ?? "(none)"}. Revise your proposal and send it with revise_request (caseId ${d.caseId}).`;
    default:
      return `Decided (${verdict}).`;
  }
}

function pendingText(d: DecisionResult, again: string): string {
  const held = d.status === "releasing" ? ` (decided, held until ${d.releaseAt})` : "";
  return `Still pending: case ${d.caseId}${held}. Nobody has decided yet; ${again} to keep waiting. Do not act meanwhile.`;
}
