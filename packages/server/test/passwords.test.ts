import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

// Count the scrypt runs, to show that an unknown user costs the same work as a known one.
const calls = vi.hoisted(() => ({ scrypt: 0 }));
vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return {
    ...actual,
    scrypt: ((...args: Parameters<typeof actual.scrypt>) => {
      calls.scrypt++;
      return (actual.scrypt as (...a: unknown[]) => void)(...args);
    }) as typeof actual.scrypt,
  };
});

const { hashPassword, isPasswordHash, verifyPassword } = await import("../src/passwords.js");

describe("password hashing", () => {
  let stored: string;
  beforeAll(async () => {
    stored = await hashPassword("correct horse battery staple");
    // Warm the dummy hash, so the counts below measure verification alone.
    await verifyPassword(undefined, "warm-up");
  });
  beforeEach(() => {
    calls.scrypt = 0;
  });

  it("stores scrypt$N$r$p$salt$hash with N=16384 r=8 p=1 and a 16-byte salt", () => {
    const [scheme, N, r, p, salt, hash] = stored.split("$");
    expect([scheme, N, r, p]).toEqual(["scrypt", "16384", "8", "1"]);
    expect(Buffer.from(salt ?? "", "base64url")).toHaveLength(16);
    expect(Buffer.from(hash ?? "", "base64url").length).toBeGreaterThanOrEqual(32);
    expect(isPasswordHash(stored)).toBe(true);
  });

  it("salts every hash", async () => {
    expect(await hashPassword("correct horse battery staple")).not.toBe(stored);
  });

  it("verifies the right password and refuses a wrong one", async () => {
    expect(await verifyPassword(stored, "correct horse battery staple")).toBe(true);
    expect(await verifyPassword(stored, "correct horse battery stapl")).toBe(false);
    expect(await verifyPassword(stored, "")).toBe(false);
  });

  it("spends exactly one scrypt whether the user exists, does not, or has a corrupt hash", async () => {
    await verifyPassword(stored, "wrong");
    expect(calls.scrypt).toBe(1);
    calls.scrypt = 0;
    expect(await verifyPassword(undefined, "correct horse battery staple")).toBe(false);
    expect(calls.scrypt).toBe(1);
    calls.scrypt = 0;
    expect(await verifyPassword("scrypt$16384$8$1$$", "x")).toBe(false);
    expect(calls.scrypt).toBe(1);
  });

  it("never matches a hash with absurd or malformed parameters", async () => {
    for (const bad of [
      "plain",
      "scrypt$16383$8$1$c2FsdA$aGFzaA",
      "scrypt$4194304$8$1$c2FsdA$aGFzaA",
      "bcrypt$x",
    ]) {
      expect(isPasswordHash(bad)).toBe(false);
      expect(await verifyPassword(bad, "anything")).toBe(false);
    }
  });
});
