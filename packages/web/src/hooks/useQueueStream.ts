import { useEffect, useRef, useState } from "react";

export interface CaseEvent {
  type: "submitted" | "claimed" | "decided" | "released" | string;
  caseId: string;
  workflow: string;
}

export type StreamState = "connecting" | "live" | "offline";

/**
 * Listens to `GET /v1/stream` (EventSource sends the session cookie) and calls `onEvent` with the case
 * events, coalesced over `coalesceMs` so a burst of submissions costs one refetch, not fifty.
 * EventSource retries a dropped connection itself; when the server refused the stream outright (the
 * source is closed), it is opened again after a pause.
 */
export function useQueueStream(onEvent: (events: CaseEvent[]) => void, coalesceMs = 250): StreamState {
  const [state, setState] = useState<StreamState>("connecting");
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    let source: EventSource | undefined;
    let pending: CaseEvent[] = [];
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const flush = () => {
      flushTimer = undefined;
      const batch = pending;
      pending = [];
      handler.current(batch);
    };
    const connect = () => {
      if (stopped) return;
      const s = new EventSource("/v1/stream", { withCredentials: true });
      source = s;
      s.onopen = () => {
        setState("live");
        // Anything may have changed while the stream was down.
        handler.current([]);
      };
      s.onerror = () => {
        setState("offline");
        if (s.readyState === EventSource.CLOSED) {
          s.close();
          retryTimer = setTimeout(connect, 5000);
        }
      };
      // The server's change feed was down a moment: changes may have been missed, so re-read.
      s.addEventListener("resync", () => handler.current([]));
      s.addEventListener("case", (e) => {
        try {
          pending.push(JSON.parse((e as MessageEvent<string>).data) as CaseEvent);
        } catch {
          return;
        }
        flushTimer ??= setTimeout(flush, coalesceMs);
      });
    };
    connect();
    return () => {
      stopped = true;
      if (flushTimer) clearTimeout(flushTimer);
      if (retryTimer) clearTimeout(retryTimer);
      source?.close();
    };
  }, [coalesceMs]);
  return state;
}
