import { createHash } from "node:crypto";

// One canonical JSON for the content hashes and the decision signatures: the SDK's, which verifies
// what the server signs, so a change to one can never leave the other hashing different bytes.
export { canonicalJson } from "@loopgate/client";

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
