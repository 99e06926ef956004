import type { StoreEngine } from "../engine.js";
import { findKey, hasKeys, insertKey, personsOf } from "./keys.js";
import {
  deleteExpiredSessions,
  deleteSession,
  findSession,
  getOrCreateSecret,
  insertSession,
} from "./sessions.js";
import type { ApiKeyRecord, SessionRecord, UserRecord } from "./types.js";
import { findUserByUsername, getUser, insertUser } from "./users.js";

/**
 * Identity: API keys, users and sessions, and the server-wide secrets. Authentication and role checks
 * happen in http/ (one `Principal` per request); this folder only stores who exists.
 */
export interface IdentityStore {
  insertKey(key: ApiKeyRecord): Promise<void>;
  findKeyByTokenHash(tokenHash: string): Promise<ApiKeyRecord | undefined>;
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
    insertSession: (session) => insertSession(db, session),
    findSession: (idHash, now) => findSession(db, idHash, now),
    deleteSession: (idHash) => deleteSession(db, idHash),
    deleteExpiredSessions: (now) => deleteExpiredSessions(db, now),
    getOrCreateSecret: (name) => getOrCreateSecret(db, name),
  };
}
