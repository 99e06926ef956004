import { randomBytes } from "node:crypto";
import { hashToken } from "../keys.js";

/** An email link's token: 32 random bytes; only its sha256 is stored (a database read grants nothing). */
export function newEmailToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashToken(token) };
}

export { hashToken };
