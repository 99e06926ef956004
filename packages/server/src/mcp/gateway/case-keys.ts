import { randomUUID } from "node:crypto";
import { outputHashOf } from "@loopgate/client";

/** One idempotency key handed to a call; `settle` says whether its case is used up. */
export interface CaseKey {
  key: string;
  /**
   * used: the decision was acted on (run, refused or answered), so the next identical call is a new
   * case. Not used: still waiting, so the next identical call resumes this case.
   */
  settle(used: boolean): void;
}

interface Slot {
  inFlight: boolean;
}

/**
 * Idempotency keys for the gateway's cases, so asking again after a timeout resumes the same case
 * rather than opening a duplicate, while a call made again after its case was acted on is a new case
 * (never a replay of the old approval). The key is the call's content (tool and canonical arguments)
 * plus a generation, under a random session id: a restarted gateway can never find, and so never
 * re-run, a case an earlier process already acted on. Two identical calls in flight at once get two
 * cases, as two calls to the tool would be two actions.
 */
export class CaseKeys {
  readonly #session = randomUUID();
  readonly #open = new Map<string, { next: number; slots: Map<number, Slot> }>();
  readonly #used = new Set<string>();

  claim(tool: string, args: unknown): CaseKey {
    const content = outputHashOf([tool, args]).slice(0, 32);
    let entry = this.#open.get(content);
    if (!entry) {
      entry = { next: 0, slots: new Map() };
      this.#open.set(content, entry);
    }
    let generation: number | undefined;
    for (const [g, slot] of entry.slots) {
      if (!slot.inFlight) {
        generation = g;
        break;
      }
    }
    if (generation === undefined) {
      generation = entry.next++;
      entry.slots.set(generation, { inFlight: false });
    }
    const slots = entry.slots;
    const g = generation;
    (slots.get(g) as Slot).inFlight = true;
    return {
      key: `gw-${this.#session}-${content}-${g}`,
      settle: (used) => {
        if (used) slots.delete(g);
        else (slots.get(g) as Slot).inFlight = false;
      },
    };
  }

  /**
   * Marks a case acted on; false when it already was. A Loopgate (or something answering in its place)
   * that hands the same case's decision to a second call would otherwise run one approval twice.
   */
  use(caseId: string): boolean {
    if (this.#used.has(caseId)) return false;
    this.#used.add(caseId);
    return true;
  }
}
