/** Who may call Loopgate: API keys (automations and people), users of the workspace, and their sessions. */

export type Role = "admin" | "automation" | "reviewer" | "auditor";
export const ROLES: readonly Role[] = ["admin", "automation", "reviewer", "auditor"];

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  /** null = every workflow. */
  workflows: string[] | null;
  /** sha256 hex of the bearer token; the token itself is never stored. */
  tokenHash: string;
  /** HMAC secret for signing webhooks to this key's callbacks (shown once, at creation). */
  signingSecret: string;
  createdAt: number;
  /** Authority roles named by policies' `review.authority` rules (e.g. ap_clerk); absent = none. */
  authorityRoles?: string[];
  /**
   * The user (`usr_…`) the key belongs to: the key acts for that person, so review rules that count
   * people (four-eyes, never the submitter, overlap) count them once. Absent = a key of no one.
   */
  userId?: string;
  /** When the key was revoked (it stopped working then); absent or null = not revoked. */
  revokedAt?: number | null;
  /** When the key stops working on its own; absent or null = never. */
  expiresAt?: number | null;
  /** The token hash before the last rotation, valid until `previousExpiresAt` (the overlap window). */
  previousTokenHash?: string | null;
  previousExpiresAt?: number | null;
  /** Made from LOOPGATE_BOOTSTRAP_TOKEN: revoked at start-up once that variable is unset or changed. */
  bootstrap?: boolean;
}

/** Roles a person can have; `automation` is for keys only. */
export type UserRole = Exclude<Role, "automation">;
export const USER_ROLES: readonly UserRole[] = ["reviewer", "admin", "auditor"];

/** A person who signs in to the workspace with a password. */
export interface UserRecord {
  /** `usr_<uuid>`; what decisions and events record as the actor. */
  id: string;
  /** Unique ignoring case; kept as typed. */
  username: string;
  /** Display name (shown in views as `decidedByName`). */
  name: string;
  role: UserRole;
  /** null = every workflow. */
  workflows: string[] | null;
  /** `scrypt$N$r$p$salt$hash`; the password itself is never stored. */
  passwordHash: string;
  createdAt: number;
  /** Set when the user may no longer sign in; their sessions stop working too. */
  disabledAt: number | null;
  /** Authority roles named by policies' `review.authority` rules (e.g. ap_manager); absent = none. */
  authorityRoles?: string[];
}

/** A browser session. Exactly one of userId / keyId is set (signed in with a password or an API key). */
export interface SessionRecord {
  /** sha256 hex of the cookie value; the cookie value itself is never stored. */
  id: string;
  userId: string | null;
  keyId: string | null;
  createdAt: number;
  expiresAt: number;
}
