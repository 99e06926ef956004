import * as z from "zod";

/**
 * The MCP tools' input and output schemas (zod, as the SDK takes them; it publishes them as JSON
 * Schema in tools/list). The submission fields mirror `POST /v1/cases`, whose own schema still checks
 * every call: these tell a model what to send, they do not replace the server's validation.
 */

const waitSeconds = z
  .number()
  .min(0)
  .max(3600)
  .optional()
  .describe(
    "How long to wait for a person before answering status pending (default 50, under most clients' 60 s request timeout). Send a progressToken to hear progress while waiting.",
  );

const idempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .optional()
  .describe(
    "Ask again with the same key (and the same arguments) to keep waiting for the same case instead of opening another; one is made up and returned when left out",
  );

const jsonObject = z.record(z.string(), z.unknown());

export const requestApprovalInput = {
  workflow: z.string().min(1).max(200).describe("A workflow your key is scoped to"),
  action: z.string().min(1).max(200).describe("One of the workflow's actions"),
  input: jsonObject.describe("What the proposal was made from (the source)"),
  proposal: z
    .union([jsonObject, z.array(z.unknown()), z.string(), z.number(), z.boolean(), z.null()])
    .describe("What you propose to do or send: the arguments of the action"),
  confidence: z.number().min(0).max(1).describe("Your confidence in the proposal, 0 to 1"),
  rationale: z.string().max(20_000).optional().describe("Why, for the reviewer"),
  context: jsonObject.optional().describe("Facts the policy's rules may read (e.g. a purchase order)"),
  evidence: z.array(z.unknown()).max(500).optional().describe("Sources, quotes, links for the reviewer"),
  subject: z.string().min(1).max(500).optional().describe("Who or what it concerns (a customer id)"),
  toolInputSchema: jsonObject
    .optional()
    .describe(
      "The JSON Schema of the tool's arguments: the proposal must meet it, and so must a person's edit before it is released",
    ),
  idempotencyKey,
  waitSeconds,
};

export const requestApprovalOutput = {
  caseId: z.string(),
  status: z
    .enum(["decided", "pending"])
    .describe("pending: nobody has decided yet; call again with the same idempotencyKey to keep waiting"),
  route: z.string().describe("auto (the policy decided), review or human_only (a person decides)"),
  verdict: z
    .string()
    .nullable()
    .describe(
      "approve or edit: run `output`; reject: do not run, see reasonCode and note; respond: do not run the tool, `output` is the person's answer to use as its result; request_changes: do not run, `note` is the feedback, revise with revise_request; done: a person did it themselves (human_only), do not run; null while pending",
    ),
  output: z
    .unknown()
    .describe(
      "What to run: the proposal as approved or as the person edited it; for respond, the person's answer (the tool's result)",
    ),
  reasonCode: z.string().nullable(),
  note: z.string().nullable().describe("The person's note; for request_changes, the feedback to revise from"),
  idempotencyKey: z.string(),
  // Decisions bound to the action (issue 14, item 3): present once decided.
  workflow: z.string().optional(),
  action: z.string().optional(),
  decisionId: z.string().optional(),
  decidedAt: z.string().optional(),
  outputHash: z.string().optional().describe("sha256 hex of the canonical JSON of output"),
  signature: z
    .string()
    .optional()
    .describe(
      "Ed25519 signature over the decision and outputHash; the host program checks it (verifyDecision in @loopgate/client) before running output",
    ),
  signatureKeyId: z.string().optional(),
};

const { idempotencyKey: _key, ...decisionOutput } = requestApprovalOutput;

export const reviseRequestInput = {
  caseId: z.string().min(1).max(100).describe("The case whose answer was verdict request_changes"),
  proposal: z
    .union([jsonObject, z.array(z.unknown()), z.string(), z.number(), z.boolean(), z.null()])
    .describe("Your revised proposal, after the reviewer's feedback"),
  confidence: z.number().min(0).max(1).describe("Your confidence in the revision, 0 to 1"),
  rationale: z.string().max(20_000).optional().describe("What you changed and why, for the reviewer"),
  input: jsonObject.optional().describe("Left out: the first case's input"),
  evidence: z.array(z.unknown()).max(500).optional(),
  waitSeconds,
};

export const reviseRequestOutput = {
  ...decisionOutput,
  caseId: z.string().describe("The revision's own case id (a new case)"),
  revisionOf: z.string().describe("The case it revises"),
  version: z.number().int().describe("2 for the first revision, and so on"),
};

export const recentCorrectionsInput = {
  workflow: z.string().min(1).max(200).describe("A workflow your key is scoped to"),
  action: z.string().min(1).max(200).optional().describe("Only this action's corrections"),
  limit: z.number().int().min(1).max(100).optional().describe("How many, newest first (default 20)"),
};

export const recentCorrectionsOutput = {
  workflow: z.string(),
  action: z.string().nullable(),
  corrections: z.array(
    z.object({
      caseId: z.string(),
      action: z.string(),
      verdict: z.string().describe("edit, override, reject, respond or request_changes"),
      before: z.unknown().describe("What was proposed"),
      after: z.unknown().describe("What the person released or answered instead; null for reject"),
      reasonCode: z.string().nullable(),
      note: z.string().nullable(),
      decidedAt: z.string(),
    }),
  ),
};

export const askHumanInput = {
  workflow: z.string().min(1).max(200).describe("The workflow whose reviewers answer"),
  question: z.string().min(1).max(20_000).describe("The question, complete enough to answer alone"),
  action: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('The workflow\'s action for questions (default "ask_human"; the policy declares it)'),
  suggestedAnswer: z
    .string()
    .max(20_000)
    .optional()
    .describe("Your best guess, which the person may approve as it is"),
  details: jsonObject.optional().describe("Facts the person needs to answer"),
  subject: z.string().min(1).max(500).optional(),
  idempotencyKey,
  waitSeconds,
};

export const askHumanOutput = {
  caseId: z.string(),
  status: z
    .enum(["answered", "declined", "pending"])
    .describe("declined: the person rejected the question (see reasonCode and note)"),
  answer: z.unknown().describe("The person's answer (null unless answered)"),
  verdict: z.string().nullable(),
  reasonCode: z.string().nullable(),
  note: z.string().nullable(),
  idempotencyKey: z.string(),
};
