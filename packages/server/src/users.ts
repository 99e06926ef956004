import { randomUUID } from "node:crypto";
import { ValidationError } from "@loopgate/core";
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "./passwords.js";
import { type Store, USER_ROLES, type UserRecord, type UserRole } from "./store/index.js";

/** ASCII only, so "unique ignoring case" means the same on SQLite and PostgreSQL (see migration 002). */
export const USERNAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$";

export interface NewUserInput {
  username: string;
  password: string;
  role: UserRole;
  name?: string;
  workflows?: string[] | null;
  /** Authority roles for policies' review.authority rules (e.g. ap_clerk). */
  authorityRoles?: string[];
  now: number;
}

/**
 * Creates a person who signs in with a password: checks the input (ValidationError naming the field),
 * hashes the password with scrypt and stores the user (Conflict when the username is taken). Shared by
 * `POST /v1/users` and `loopgate users create`, so both enforce the same rules.
 */
export async function createUser(store: Store, input: NewUserInput): Promise<UserRecord> {
  if (!new RegExp(USERNAME_PATTERN).test(input.username)) {
    throw new ValidationError(
      "the username must be 1-100 letters, digits or . _ @ - (starting with a letter or digit)",
      "/username",
    );
  }
  if (input.workflows?.length === 0) {
    throw new ValidationError("workflows must not be empty (leave it out for every workflow)", "/workflows");
  }
  if (!USER_ROLES.includes(input.role)) {
    throw new ValidationError(`a user's role is one of ${USER_ROLES.join(", ")}`, "/role");
  }
  const name = input.name?.trim() || input.username;
  const user: UserRecord = {
    id: `usr_${randomUUID()}`,
    username: input.username,
    name,
    role: input.role,
    // As for keys: no list means every workflow; an empty one was refused above.
    workflows: input.workflows ? [...new Set(input.workflows)] : null,
    passwordHash: await newPasswordHash(input.password),
    createdAt: input.now,
    disabledAt: null,
    authorityRoles: [...new Set(input.authorityRoles ?? [])],
  };
  await store.identity.insertUser(user);
  return user;
}

/**
 * The stored form of a new password, after the length rules (ValidationError naming /password): for
 * creating a user and for changing a password alike.
 */
export async function newPasswordHash(password: string): Promise<string> {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError(`the password must be at least ${MIN_PASSWORD_LENGTH} characters`, "/password");
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new ValidationError(`the password must be at most ${MAX_PASSWORD_LENGTH} characters`, "/password");
  }
  return hashPassword(password);
}
