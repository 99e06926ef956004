import { type ApiResponse, type LoopgateApi, problemText } from "./api.js";

/** GET /v1/cases/:id/decision as the tools read it (200 decided; 202 queued, claimed or releasing). */
export interface DecisionResult {
  caseId: string;
  status: string;
  route: string;
  humanOwned?: boolean;
  verdict?: string;
  output?: unknown;
  reasonCode?: string | null;
  note?: string | null;
  releaseAt?: string;
  workflow?: string;
  action?: string;
  decisionId?: string;
  decidedAt?: string;
  outputHash?: string;
  signature?: string;
  signatureKeyId?: string;
}

export interface WaitOptions {
  /** How long to wait in all, in seconds; 0 asks once. */
  waitSeconds: number;
  /** How often a waiting client hears progress, in seconds (each long-poll is at most this long). */
  heartbeatSeconds: number;
  /** Aborted when the client cancels the call or goes away. */
  signal: AbortSignal;
  /** Called after each long-poll that ended without a decision, with the seconds waited so far. */
  onWaiting?: (waitedSeconds: number, pending: DecisionResult) => Promise<void>;
}

/** A refusal from the API (401, 403, 404, …), said in the problem's own words. */
export class ApiRefusal extends Error {
  constructor(readonly response: ApiResponse) {
    super(problemText(response));
  }
}

/**
 * Waits for a case's decision through the same long-poll an automation uses, in slices of at most
 * `heartbeatSeconds`: a decision wakes the slice in progress at once (the server's notifier), and
 * between slices the client hears progress and a cancelled call stops waiting. Returns the last answer:
 * decided, or still pending when the time is up.
 */
export async function awaitDecision(
  api: LoopgateApi,
  caseId: string,
  opts: WaitOptions,
): Promise<DecisionResult> {
  const started = Date.now();
  const deadline = started + opts.waitSeconds * 1000;
  const path = `/v1/cases/${encodeURIComponent(caseId)}/decision`;
  for (;;) {
    const leftSeconds = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    const slice = Math.min(leftSeconds, opts.heartbeatSeconds);
    // A cancelled call rejects here; the SDK sends no answer to a cancelled request, and the case
    // stays as it is for the next ask with the same idempotencyKey.
    const res = await api("GET", `${path}?waitSeconds=${slice}`, undefined, opts.signal);
    if (res.status !== 200 && res.status !== 202) throw new ApiRefusal(res);
    const result = res.body as DecisionResult;
    if (res.status === 200 || Date.now() >= deadline) return result;
    await opts.onWaiting?.(Math.round((Date.now() - started) / 1000), result);
  }
}
