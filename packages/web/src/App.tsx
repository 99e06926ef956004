import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError, api, errorMessage, setCsrfToken, setUnauthorizedHandler } from "./api";
import { CaseScreen } from "./pages/CaseScreen";
import { Queue } from "./pages/Queue";
import { SignIn } from "./pages/SignIn";
import { navigate, parseRoute, usePath } from "./router";
import type { Session, WorkflowInfo } from "./types";
import { type Workspace, WorkspaceContext } from "./workspace";

// The dashboard brings the chart library; reviewers who never open it do not download it.
const Dashboard = lazy(() => import("./pages/Dashboard").then((m) => ({ default: m.Dashboard })));

export function App() {
  const path = usePath();
  const route = parseRoute(path);
  // undefined while the session is being checked; null when signed out.
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [workflows, setWorkflows] = useState<Map<string, WorkflowInfo>>(new Map());
  const [flash, setFlash] = useState<string | null>(null);
  const [claiming, setClaiming] = useState(false);
  const returnTo = useRef<string>("/");

  const signedIn = useCallback((s: Session) => {
    setCsrfToken(s.csrfToken);
    setSession(s);
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setCsrfToken(null);
      setSession(null);
    });
    api
      .session()
      .then((r) => signedIn(r.data))
      .catch(() => setSession(null));
    return () => setUnauthorizedHandler(null);
  }, [signedIn]);

  useEffect(() => {
    if (!session) return;
    api
      .workflows()
      .then((r) => setWorkflows(new Map(r.data.workflows.map((w) => [w.workflow, w]))))
      .catch((err) => setFlash(`Could not load the workflows: ${errorMessage(err)}`));
  }, [session]);

  // Keep the address honest: /signin only while signed out.
  useEffect(() => {
    if (session === null && route.page !== "signin") {
      returnTo.current = path;
      navigate("/signin", { replace: true });
    }
    if (session && route.page === "signin") {
      navigate(returnTo.current === "/signin" ? "/" : returnTo.current, { replace: true });
    }
  }, [session, route.page, path]);

  const nextCase = useCallback(async (workflow?: string) => {
    setClaiming(true);
    try {
      const res = await api.claim(workflow);
      if (res.status === 204 || !res.data) {
        setFlash(
          workflow ? `Nothing waiting in ${workflow}.` : "Nothing waiting. New cases appear here live.",
        );
        navigate("/");
        return;
      }
      setFlash(null);
      navigate(`/cases/${encodeURIComponent(res.data.case.id)}`);
    } catch (err) {
      setFlash(`Could not take a case: ${errorMessage(err)}`);
      navigate("/");
    } finally {
      setClaiming(false);
    }
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.signOut();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setFlash(errorMessage(err));
    }
    setCsrfToken(null);
    returnTo.current = "/";
    setSession(null);
  }, []);

  const workspace = useMemo<Workspace | null>(
    () =>
      session
        ? {
            user: session.user,
            workflows,
            nextCase,
            claiming,
            flash,
            setFlash,
            canReview: session.user.role === "reviewer" || session.user.role === "admin",
          }
        : null,
    [session, workflows, nextCase, claiming, flash],
  );

  if (session === undefined) {
    return (
      <main id="main" className="loading" aria-busy="true">
        <p>Loading the workspace…</p>
      </main>
    );
  }
  if (!session || !workspace) {
    return <SignIn onSignedIn={signedIn} />;
  }
  return (
    <WorkspaceContext.Provider value={workspace}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <a
          className="brand"
          href="/"
          onClick={(e) => {
            e.preventDefault();
            navigate("/");
          }}
        >
          Loopgate
        </a>
        <nav aria-label="Workspace">
          <a
            href="/"
            aria-current={route.page === "queue" ? "page" : undefined}
            onClick={(e) => {
              e.preventDefault();
              navigate("/");
            }}
          >
            Queue
          </a>
          {(session.user.role === "admin" ||
            session.user.role === "auditor" ||
            (session.user.owns?.length ?? 0) > 0) && (
            <a
              href="/dashboard"
              aria-current={route.page === "dashboard" ? "page" : undefined}
              onClick={(e) => {
                e.preventDefault();
                navigate("/dashboard");
              }}
            >
              Dashboard
            </a>
          )}
        </nav>
        <span className="who">
          {session.user.name} <span className="muted">· {session.user.role}</span>
        </span>
        <button type="button" className="quiet" onClick={signOut}>
          Sign out
        </button>
      </header>
      {route.page === "case" ? (
        <CaseScreen key={route.id} id={route.id} />
      ) : route.page === "dashboard" ? (
        <Suspense
          fallback={
            <main id="main" className="loading" aria-busy="true">
              <p>Loading the dashboard…</p>
            </main>
          }
        >
          <Dashboard />
        </Suspense>
      ) : (
        <Queue />
      )}
    </WorkspaceContext.Provider>
  );
}
