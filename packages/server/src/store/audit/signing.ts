import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import type { AuditCheckpointHeadsTable, AuditCheckpointsTable } from "../schema.js";
import { sha256 } from "./chain.js";

/**
 * Ed25519 signatures over checkpoints (node:crypto, no dependency). The key pair is made on first use
 * and kept like the server's other shared secrets (audit/checkpoints.ts); the public key is what an
 * auditor holds, and `key_id` (sha256 of its DER, 16 hex characters) names it in every checkpoint.
 */

export function newKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
  };
}

export function publicKeyOf(privateKeyPem: string): string {
  return createPublicKey(createPrivateKey(privateKeyPem)).export({ format: "pem", type: "spki" }).toString();
}

export function keyIdOf(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ format: "der", type: "spki" });
  return sha256(der.toString("hex")).slice(0, 16);
}

export function signText(privateKey: string | KeyObject, text: string): string {
  return sign(null, Buffer.from(text), privateKey).toString("base64");
}

export function verifySignature(publicKeyPem: string, text: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(text), publicKeyPem, Buffer.from(signature, "base64"));
  } catch {
    return false;
  }
}

type Content = Pick<
  AuditCheckpointsTable,
  "number" | "prev_hash" | "created_at" | "chains" | "digest" | "key_id"
>;

/** What a checkpoint's signature covers, as one string. */
export function checkpointContent(c: Content): string {
  return JSON.stringify([
    "loopgate audit checkpoint 1",
    c.number,
    c.prev_hash,
    c.created_at,
    c.chains,
    c.digest,
    c.key_id,
  ]);
}

export function checkpointHash(c: Content & { signature: string }): string {
  return sha256(`${checkpointContent(c)}\n${c.signature}`);
}

/** sha256 over the heads a checkpoint lists, one line each, sorted by chain id. */
export function checkpointDigest(heads: readonly Omit<AuditCheckpointHeadsTable, "checkpoint">[]): string {
  const lines = heads
    .map((h) => `${h.chain_id}\t${h.length}\t${h.head}\t${h.at}\n`)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sha256(lines.join(""));
}
