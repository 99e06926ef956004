import { createHash, createPublicKey, verify } from "node:crypto";
import { canonicalJson } from "./canonical-json.js";

/** The fields of a decision its signature covers, as the long-poll, the webhook and MCP hand them over. */
export interface SignedDecision {
  caseId: string;
  workflow?: string;
  action?: string;
  verdict: string;
  decisionId?: string;
  decidedAt: string;
  outputHash?: string;
  signature?: string;
  signatureKeyId?: string;
  /** Not what is checked: `verifyDecision` hashes the output you pass it, the one you will run. */
  output?: unknown;
}

/**
 * Checks that a decision is Loopgate's, for this case and action, and for exactly this output, before
 * you run it. True only when all hold:
 * - the Ed25519 signature over caseId, workflow, action, verdict, decisionId, outputHash and decidedAt
 *   verifies with `publicKeyPem` (pin it from `GET /v1/decision-key` or `loopgate audit public-key`; a key
 *   fetched from the same answer proves nothing);
 * - `caseId` and `action` are the ones you asked about, so a decision replayed onto another case or
 *   action fails;
 * - the sha256 of the canonical JSON of `output` (what you are about to run) is the signed `outputHash`,
 *   so an output changed after the decision fails.
 *
 * Then act on the verdict as usual: a signed reject is still a reject. Needs Node (node:crypto).
 *
 * @example
 * ```ts
 * const d = await loopgate.waitForDecision(caseId);
 * const args = d.output;
 * if (!verifyDecision(d, { publicKeyPem: PINNED_KEY, caseId, action: "pay", output: args })) {
 *   throw new Error("decision not signed by Loopgate for this case, action and output");
 * }
 * if (d.verdict === "approve" || d.verdict === "edit") await bank.pay(args);
 * ```
 */
export function verifyDecision(
  decision: SignedDecision,
  expected: { publicKeyPem: string; caseId: string; action: string; output: unknown },
): boolean {
  const d = decision;
  if (typeof d?.signature !== "string" || typeof d.outputHash !== "string") return false;
  if (d.caseId !== expected.caseId || d.action !== expected.action) return false;
  if (outputHashOf(expected.output) !== d.outputHash) return false;
  const text = JSON.stringify([
    "loopgate decision 1",
    d.caseId,
    d.workflow,
    d.action,
    d.verdict,
    d.decisionId,
    d.outputHash,
    d.decidedAt,
  ]);
  try {
    const key = createPublicKey(expected.publicKeyPem);
    return verify(null, Buffer.from(text), key, Buffer.from(d.signature, "base64"));
  } catch {
    return false;
  }
}

/** sha256 hex of the canonical JSON of `output`; none (a reject) hashes as `null`. */
export function outputHashOf(output: unknown): string {
  return createHash("sha256")
    .update(canonicalJson(output ?? null))
    .digest("hex");
}
