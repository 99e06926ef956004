import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema.js";

/**
 * The helpers every aggregate's row mapping shares. A leaf: it imports nothing of the store but the
 * table shapes, so any folder may use it without creating a cycle.
 */

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

// `?? null` because JSON.stringify(undefined) is undefined, which a NOT NULL column would reject.
export const toJson = (value: unknown): string => JSON.stringify(value ?? null);
export const toJsonOrNull = (value: unknown): string | null => (value == null ? null : JSON.stringify(value));
export const fromJson = <T>(text: string): T => JSON.parse(text) as T;
export const fromJsonOrNull = <T>(text: string | null): T | null =>
  text == null ? null : (JSON.parse(text) as T);
