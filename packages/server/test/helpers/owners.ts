import { expect } from "vitest";
import type { JsonResponse, TestServer } from "./server.js";

const PASSWORD = "a long enough password";

/** A user account (POST /v1/users, as the admin), with the password `signIn` below uses. */
export async function newUser(
  s: TestServer,
  username: string,
  o: { role?: string; workflows?: string[]; name?: string; authorityRoles?: string[] } = {},
): Promise<{ id: string; username: string }> {
  const res = await s.call("POST", "/v1/users", { username, password: PASSWORD, role: "reviewer", ...o });
  expect(res.status).toBe(201);
  return res.json();
}

/** A key that belongs to the user `username` (POST /v1/keys {user}): it acts as that person. */
export async function keyOf(
  s: TestServer,
  username: string,
  o: { role?: string; workflows?: string[]; authorityRoles?: string[] } = {},
): Promise<{ key: string; id: string; userId: string }> {
  const res = await s.call("POST", "/v1/keys", {
    name: `${username}-key-${Math.random().toString(36).slice(2, 8)}`,
    role: "reviewer",
    user: username,
    ...o,
  });
  expect(res.status).toBe(201);
  const body = await res.json();
  expect(body.userId).toMatch(/^usr_/);
  return { key: body.key, id: body.id, userId: body.userId };
}

/**
 * A workflow owner as the tests act through it: the user account the policy's `owner` names, and a key
 * that belongs to that user. Ownership is that identity, never a name (issue 11, item 6).
 */
export async function ownerKey(
  s: TestServer,
  username: string,
  role = "reviewer",
): Promise<{ key: string; id: string; userId: string }> {
  await newUser(s, username, { role });
  return keyOf(s, username, { role });
}

/** Signs `username` in with a password; returns a `call` that sends its cookie and CSRF token. */
export async function signIn(s: TestServer, username: string) {
  const res = await fetch(`${s.url}/v1/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const { csrfToken, user } = (await res.json()) as { csrfToken: string; user: { id: string } };
  return {
    id: user.id,
    call: (method: string, path: string, body?: unknown): Promise<JsonResponse> =>
      fetch(s.url + path, {
        method,
        headers: {
          cookie,
          "x-csrf-token": csrfToken,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
  };
}
