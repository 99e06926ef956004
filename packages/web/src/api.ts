import type {
  AckAction,
  CaseView,
  Claimed,
  DecisionPreview,
  DecisionView,
  GovernanceReport,
  OversightAlert,
  OwnQuality,
  QueueSummary,
  ReviewerPause,
  Session,
  ThresholdsReport,
  VerdictBody,
  WorkflowInfo,
} from "./types";

/**
 * The one way the workspace talks to the server: same origin, the session cookie, the CSRF token on
 * every non-GET, and RFC 9457 problems turned into an `ApiError` that names the field.
 */

export interface FieldProblem {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly field: string | undefined;
  readonly errors: FieldProblem[];

  constructor(
    status: number,
    problem: { title?: string; detail?: string; field?: string; errors?: FieldProblem[] },
  ) {
    const detail = problem.detail ?? problem.title ?? `The server answered ${status}`;
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.title = problem.title ?? `HTTP ${status}`;
    this.detail = detail;
    this.field = problem.field;
    this.errors = problem.errors ?? [];
  }
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a call other than sign-in answers 401: the session expired or was signed out. */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

export interface ApiResponse<T> {
  status: number;
  data: T;
}

async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { accept: "application/json, application/problem+json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && csrfToken) headers["x-csrf-token"] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: "include",
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch {
    throw new ApiError(0, { title: "Network error", detail: "The server cannot be reached. Try again." });
  }
  const text = res.status === 204 ? "" : await res.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { detail: text.slice(0, 300) };
    }
  }
  if (!res.ok) {
    const problem = (parsed && typeof parsed === "object" ? parsed : {}) as ConstructorParameters<
      typeof ApiError
    >[1];
    if (res.status === 401 && path !== "/v1/session" && onUnauthorized) onUnauthorized();
    throw new ApiError(res.status, problem);
  }
  return { status: res.status, data: parsed as T };
}

export const api = {
  session: () => request<Session>("GET", "/v1/session"),
  signIn: (credentials: { username: string; password: string } | { apiKey: string }) =>
    request<Session>("POST", "/v1/session", credentials),
  signOut: () => request<null>("DELETE", "/v1/session"),
  queue: () => request<QueueSummary>("GET", "/v1/queue"),
  workflows: () => request<{ workflows: WorkflowInfo[] }>("GET", "/v1/workflows"),
  /** 200 with the case and its lease, or 204 when nothing waits. */
  claim: (workflow?: string) =>
    request<Claimed | null>("POST", "/v1/queue/claim", workflow ? { workflows: [workflow] } : {}),
  getCase: (id: string) => request<CaseView>("GET", `/v1/cases/${encodeURIComponent(id)}`),
  decide: (id: string, body: VerdictBody) =>
    request<DecisionView>("POST", `/v1/cases/${encodeURIComponent(id)}/decisions`, body),
  /** What the verdict would need and whether it would be taken; writes nothing. `signal` cancels a stale one. */
  previewDecision: (id: string, body: VerdictBody, signal?: AbortSignal) =>
    request<DecisionPreview>("POST", `/v1/cases/${encodeURIComponent(id)}/decisions/preview`, body, signal),
  blindJudgment: (id: string, body: VerdictBody) =>
    request<CaseView>("POST", `/v1/cases/${encodeURIComponent(id)}/blind-judgment`, body),
  release: (id: string) => request<null>("POST", `/v1/cases/${encodeURIComponent(id)}/release`),
  governance: (q: {
    workflow?: string;
    since?: string;
    until?: string;
    groupBy?: "reviewer" | "riskClass" | "day";
  }) => request<GovernanceReport>("GET", `/v1/metrics/governance?${query(q)}`),
  alerts: (workflow?: string) =>
    request<{ alerts: OversightAlert[] }>("GET", `/v1/oversight/alerts?${query({ workflow })}`),
  thresholds: (workflow: string, maxError: number) =>
    request<ThresholdsReport>("GET", `/v1/thresholds?${query({ workflow, maxError: String(maxError) })}`),
  acknowledgeAlert: (id: string, body: { action: AckAction; note?: string }) =>
    request<OversightAlert>("POST", `/v1/oversight/alerts/${encodeURIComponent(id)}/ack`, body),
  pauses: (workflow: string) =>
    request<{ items: ReviewerPause[] }>("GET", `/v1/workflows/${encodeURIComponent(workflow)}/pauses`),
  resumeReviewer: (workflow: string, reviewer: string) =>
    request<ReviewerPause>(
      "POST",
      `/v1/workflows/${encodeURIComponent(workflow)}/pauses/${encodeURIComponent(reviewer)}/resume`,
      {},
    ),
  /** Your own catch trials, audits and post-review errors over 30 days, beside your team's. */
  ownQuality: (workflow?: string) => request<OwnQuality>("GET", `/v1/me/quality?${query({ workflow })}`),
};

/** A query string of the defined values. */
function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  return q.toString();
}

/** A message for a person: the server's detail, which names the problem. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.detail;
  if (err instanceof Error) return err.message;
  return String(err);
}
