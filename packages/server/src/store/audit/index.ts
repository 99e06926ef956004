import type { StoreEngine } from "../engine.js";
import { publicKey, readCheckpoints, signingKey, writeCheckpoint } from "./checkpoints.js";
import { storedChains } from "./read.js";
import { keyIdOf } from "./signing.js";
import {
  type AuditProblem,
  ChainVerifier,
  type Checkpoint,
  type CheckpointHead,
  type StoredChain,
  verifyCheckpoints,
} from "./verify.js";

/** What `audit verify` found: how much it walked, and the problems, the first of each chain. */
export interface AuditReport {
  chains: number;
  rows: number;
  checkpoints: number;
  /** The id of the public key the checkpoints were checked with. */
  keyId: string;
  problems: AuditProblem[];
}

/**
 * The tamper-evident audit log (issue 13, item 9): hash chains per case over events, decisions and
 * outcomes (written by every transaction that writes those rows, audit/append.ts), and signed
 * checkpoints over their heads. See docs/architecture.md, "The audit chain".
 */
export interface AuditStore {
  /**
   * Walks every chain and every checkpoint. `publicKeyPem`: the key an auditor holds; by default the one
   * this database signs with (which proves nothing against someone who could replace it: pin the key).
   */
  verify(opts?: { publicKeyPem?: string }): Promise<AuditReport>;
  /** Writes the next signed checkpoint; with `minAgeMs`, only when the latest is at least that old. */
  checkpoint(opts?: { now?: number; minAgeMs?: number }): Promise<Checkpoint | undefined>;
  /** The public key checkpoints are signed with (SPKI PEM); the key pair is made on first use. */
  publicKey(): Promise<string>;
  /** Its private key (PKCS#8 PEM), for the decision signer (decision-signature.ts); never shown. */
  signingKey(): Promise<string>;
  /** The chains that grew at or after `since` (all when absent), one at a time: the bundle's rows. */
  chains(opts?: { since?: number }): AsyncIterable<StoredChain>;
  /** Every checkpoint and the heads each lists. */
  checkpoints(): Promise<{ checkpoints: Checkpoint[]; heads: CheckpointHead[] }>;
}

export function auditStore(engine: StoreEngine): AuditStore {
  const { db } = engine;
  return {
    async verify(opts = {}) {
      const key = opts.publicKeyPem ?? (await publicKey(db));
      const { checkpoints, heads } = await readCheckpoints(db);
      const verifier = new ChainVerifier(heads);
      for await (const chain of storedChains(db)) verifier.check(chain);
      const problems = [...verifyCheckpoints(checkpoints, heads, key), ...verifier.finish()];
      return {
        chains: verifier.chains,
        rows: verifier.rows,
        checkpoints: checkpoints.length,
        keyId: keyIdOf(key),
        problems,
      };
    },
    checkpoint: (opts) => writeCheckpoint(db, opts),
    publicKey: () => publicKey(db),
    signingKey: () => signingKey(db),
    chains: (opts) => storedChains(db, opts),
    checkpoints: () => readCheckpoints(db),
  };
}
