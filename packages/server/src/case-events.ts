/**
 * Case changes as the workspace hears about them (`GET /v1/stream`): routes publish after their
 * transaction commits, so a listener that reacts by reading the case sees the change.
 *
 * In-process only, like the long-poll notifier: with several processes sharing PostgreSQL, a stream
 * hears about the changes made through its own process.
 */
export type CaseEventType = "submitted" | "claimed" | "decided" | "released";

export interface CaseEvent {
  type: CaseEventType;
  caseId: string;
  workflow: string;
}

export class CaseEvents {
  readonly #listeners = new Set<(event: CaseEvent) => void>();

  /** Calls `listener` for every event from now on; the returned function stops it. */
  subscribe(listener: (event: CaseEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  publish(event: CaseEvent): void {
    for (const listener of this.#listeners) {
      // A broken listener (a stream whose socket just died) must not stop the others, nor the route.
      try {
        listener(event);
      } catch {}
    }
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }
}
