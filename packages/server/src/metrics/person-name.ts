import type { Store } from "../store/index.js";
import { reviewerName } from "./governance.js";

/**
 * Whoever acted, by the person's name: a key that belongs to someone stands for them (the person is
 * who decided, was flagged or was paused), a key of no one by its own name; the id when unknown.
 */
export async function personName(store: Store, id: string): Promise<string> {
  const person = (await store.identity.personsOf([id])).get(id) ?? id;
  return (await reviewerName(store, person)) ?? id;
}
