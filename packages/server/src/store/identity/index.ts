import type { StoreEngine } from "../engine.js";
import {
  findKey,
  hasKeys,
  insertKey,
  listKeys,
  personsOf,
  revokeBootstrapKeys,
  revokeKey,
  rotateKey,
} from "./keys.js";
import {
  deleteExpiredSessions,
  deleteSession,
  findSession,
  getOrCreateSecret,
  insertSession,
} from "./sessions.js";
import { clearSignInFailures, recordSignInFailure, signInLockedUntil } from "./sign-in-failures.js";
import type { ApiKeyRecord, SessionRecord, UserRecord } from "./types.js";
import { disableUser, findUserByUsername, getUser, insertUser, setPasswordHash } from "./users.js";

/**
 * Identity: API keys, users and sessions, and the server-wide secrets. Authentication and role checks
 * happen in http/ (one `Principal` per request); this folder only stores who exists.
 */
export interface IdentityStore {
  insertKey(key: ApiKeyRecord): Promise<void>;
  /**
   * The key whose current token, or previous token (after a rotation), has this hash; revoked and
   * expired keys included: the caller decides (keys.ts `tokenValidUntil`).
   */
  findKeyByTokenHash(tokenHash: string): Promise<ApiKeyRecord | undefined>;
  /** Every key, revoked and expired ones included, oldest first. */
  listKeys(): Promise<ApiKeyRecord[]>;
  /** Revokes a key at once; false when it does not exist or was already revoked. */
  revokeKey(id: string, now: number): Promise<boolean>;
  /** A new token for a live key; its current token stays valid until `previousValidUntil`. */
  rotateKey(id: string, tokenHash: string, previousValidUntil: number): Promise<boolean>;
  /** Revokes the live bootstrap keys except the one whose token hash is `keep`; returns how many. */
  revokeBootstrapKeys(keep: string | undefined, now: number): Promise<number>;
  getKey(id: string): Promise<ApiKeyRecord | undefined>;
  /** Whether any key exists (the first start creates an admin key when none does). */
  hasKeys(): Promise<boolean>;
  /**
   * The person behind each id (user, key, or a system decider such as "policy"): for a key that belongs
   * to a user, that user's id; for anything else, the id itself. Every id of `ids` is in the map.
   */
  personsOf(ids: readonly string[]): Promise<Map<string, string>>;
  /** Stores a new user. Conflict when the username is taken (compared ignoring case). */
  insertUser(user: UserRecord): Promise<void>;
  /** The user with this username, ignoring case (disabled users included: the caller decides). */
  findUserByUsername(username: string): Promise<UserRecord | undefined>;
  getUser(id: string): Promise<UserRecord | undefined>;
  /** Disables an active user and ends their sessions; false when no such active user. */
  disableUser(id: string, now: number): Promise<boolean>;
  /** Replaces a user's password hash and ends their sessions; false when no such user. */
  setPasswordHash(id: string, passwordHash: string): Promise<boolean>;
  /** When the latest lock among `subjects` ends, if one is in force (sign-in throttling). */
  signInLockedUntil(subjects: readonly string[], now: number): Promise<number | undefined>;
  /** Counts a wrong sign-in against each subject; one reaching its limit is locked for `windowMs`. */
  recordSignInFailure(
    failures: readonly { subject: string; limit: number }[],
    now: number,
    windowMs: number,
  ): Promise<void>;
  clearSignInFailures(subject: string): Promise<void>;
  insertSession(session: SessionRecord): Promise<void>;
  /** The session with this id (sha256 of the cookie) when it exists and `expiresAt > now`. */
  findSession(idHash: string, now: number): Promise<SessionRecord | undefined>;
  /** Ends a session (sign-out). Unknown ids are fine. */
  deleteSession(idHash: string): Promise<void>;
  /** Removes every session with `expiresAt <= now`; returns how many. */
  deleteExpiredSessions(now: number): Promise<number>;
  /**
   * A random secret shared by every process on this database, created on first use (e.g. the key for
   * CSRF tokens). Concurrent first calls all get the same value.
   */
  getOrCreateSecret(name: string): Promise<string>;
}

export function identityStore(engine: StoreEngine): IdentityStore {
  const { db } = engine;
  return {
    insertKey: (key) => insertKey(db, key),
    findKeyByTokenHash: (tokenHash) => findKey(db, { tokenHash }),
    getKey: (id) => findKey(db, { id }),
    hasKeys: () => hasKeys(db),
    personsOf: (ids) => personsOf(db, ids),
    insertUser: (user) => insertUser(db, user),
    findUserByUsername: (username) => findUserByUsername(db, username),
    getUser: (id) => getUser(db, id),
    disableUser: (id, now) => disableUser(db, id, now),
    setPasswordHash: (id, hash) => setPasswordHash(db, id, hash),
    signInLockedUntil: (subjects, now) => signInLockedUntil(db, subjects, now),
    recordSignInFailure: (failures, now, windowMs) => recordSignInFailure(db, failures, now, windowMs),
    clearSignInFailures: (subject) => clearSignInFailures(db, subject),
    listKeys: () => listKeys(db),
    revokeKey: (id, now) => revokeKey(db, id, now),
    rotateKey: (id, hash, until) => rotateKey(db, id, hash, until),
    revokeBootstrapKeys: (keep, now) => revokeBootstrapKeys(db, keep, now),
    insertSession: (session) => insertSession(db, session),
    findSession: (idHash, now) => findSession(db, idHash, now),
    deleteSession: (idHash) => deleteSession(db, idHash),
    deleteExpiredSessions: (now) => deleteExpiredSessions(db, now),
    getOrCreateSecret: (name) => getOrCreateSecret(db, name),
  };
}
