import { type FormEvent, useEffect, useRef, useState } from "react";
import { api, errorMessage } from "../api";
import type { Session } from "../types";

/** Username and password, or a reviewer/admin/auditor API key. The server's message is shown as is. */
export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [withKey, setWithKey] = useState(false);
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = "Sign in · Loopgate";
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: focus follows the chosen way of signing in
  useEffect(() => {
    first.current?.focus();
  }, [withKey]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const res = await api.signIn(
        withKey ? { apiKey: apiKey.trim() } : { username: username.trim(), password },
      );
      onSignedIn(res.data);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  }

  return (
    <main id="main" className="signin">
      <h1>Sign in to Loopgate</h1>
      <p className="muted">The reviewer workspace: take a case, judge it, decide.</p>
      <form onSubmit={submit} aria-describedby={error ? "signin-error" : undefined} noValidate>
        {withKey ? (
          <label className="field">
            <span>API key</span>
            <input
              ref={first}
              type="password"
              name="apiKey"
              autoComplete="off"
              spellCheck={false}
              value={apiKey}
              onChange={(e) => setApiKey(e.target.value)}
              required
            />
          </label>
        ) : (
          <>
            <label className="field">
              <span>Username</span>
              <input
                ref={first}
                name="username"
                autoComplete="username"
                autoCapitalize="none"
                spellCheck={false}
                value={username}
                onChange={(e) => setUsername(e.target.value)}
                required
              />
            </label>
            <label className="field">
              <span>Password</span>
              <input
                type="password"
                name="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                required
              />
            </label>
          </>
        )}
        {error && (
          <p id="signin-error" className="error" role="alert">
            {error}
          </p>
        )}
        <div className="row">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
          <button
            type="button"
            className="link"
            onClick={() => {
              setWithKey(!withKey);
              setError(null);
            }}
          >
            {withKey ? "Use a username and password instead" : "Use an API key instead"}
          </button>
        </div>
      </form>
    </main>
  );
}
