import { createPrivateKey, type KeyObject } from "node:crypto";
import { canonicalJson, sha256Hex } from "./canonical-json.js";
import { keyIdOf, publicKeyOf, type Store, signText } from "./store/index.js";

/**
 * Decisions bound to the action (issue 14, item 3): every decision an automation receives (the
 * long-poll, the decided webhook, the MCP tool result) carries an Ed25519 signature over the case, the
 * action, the verdict and the hash of the output to run, so an automation that checks it before acting
 * (`verifyDecision` in @loopgate/client) runs neither a forged verdict, nor an output edited on the way,
 * nor a decision replayed onto another case or action.
 *
 * Signed with the audit log's key pair (store/audit/checkpoints.ts): one private key to keep and one
 * public key to pin. The text starts with its own tag, so a decision's signature can never pass for a
 * checkpoint's or the other way round.
 */

/** What a decision's signature covers. `decidedAt` is the ISO time the automation receives. */
interface SignedDecisionFields {
  caseId: string;
  workflow: string;
  action: string;
  verdict: string;
  decisionId: string;
  outputHash: string;
  decidedAt: string;
}

/** The fields a signed decision adds to what the automation receives. */
export interface DecisionSignature {
  decisionId: string;
  outputHash: string;
  /** Base64 Ed25519 signature over `decisionSigningText`. */
  signature: string;
  /** Names the public key (`GET /v1/decision-key`): sha256 of its DER, 16 hex characters. */
  signatureKeyId: string;
}

/** sha256 hex of the output's canonical JSON; no output (a reject) hashes as `null`. */
function outputHashOf(output: unknown): string {
  return sha256Hex(canonicalJson(output ?? null));
}

/** The signed text, one JSON array; @loopgate/client's verifyDecision builds the same. */
function decisionSigningText(f: SignedDecisionFields): string {
  return JSON.stringify([
    "loopgate decision 1",
    f.caseId,
    f.workflow,
    f.action,
    f.verdict,
    f.decisionId,
    f.outputHash,
    f.decidedAt,
  ]);
}

export class DecisionSigner {
  readonly #privateKey: KeyObject;
  readonly publicKeyPem: string;
  readonly keyId: string;

  constructor(privateKeyPem: string) {
    this.#privateKey = createPrivateKey(privateKeyPem);
    this.publicKeyPem = publicKeyOf(privateKeyPem);
    this.keyId = keyIdOf(this.publicKeyPem);
  }

  sign(d: Omit<SignedDecisionFields, "outputHash"> & { output: unknown }): DecisionSignature {
    const outputHash = outputHashOf(d.output);
    const text = decisionSigningText({ ...d, outputHash });
    return {
      decisionId: d.decisionId,
      outputHash,
      signature: signText(this.#privateKey, text),
      signatureKeyId: this.keyId,
    };
  }
}

/** The signer over the audit key pair, made on first use; read once per process at start. */
export async function loadDecisionSigner(store: Store): Promise<DecisionSigner> {
  return new DecisionSigner(await store.audit.signingKey());
}
