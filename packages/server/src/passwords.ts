import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

/**
 * Reviewer passwords. Unlike API keys (32 random bytes, a plain sha256 suffices), a password is
 * guessable, so it is stored as a slow, salted scrypt hash: `scrypt$N$r$p$<salt>$<hash>` (salt and hash
 * in base64url). The parameters travel with each hash, so raising them later keeps old hashes valid.
 */

export const MIN_PASSWORD_LENGTH = 10;
/** scrypt reads the whole password; a cap keeps one request from costing more than any other. */
export const MAX_PASSWORD_LENGTH = 1000;

const PARAMS = { N: 16384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Refuse stored parameters that would make one verification absurdly expensive (a tampered row). */
const MAX_N = 1 << 20;

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // 128 * N * r bytes is what scrypt needs; Node's default cap (32 MiB) would refuse larger N.
    const maxmem = 256 * (opts.N ?? PARAMS.N) * (opts.r ?? PARAMS.r);
    scrypt(password, salt, keylen, { ...opts, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(password, salt, HASH_BYTES, PARAMS);
  const { N, r, p } = PARAMS;
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64url")}$${hash.toString("base64url")}`;
}

interface Parsed {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function parse(stored: string): Parsed | undefined {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const ok = (n: number) => Number.isInteger(n) && n > 0;
  // N must be a power of two above 1 for scrypt itself.
  if (!ok(N) || !ok(r) || !ok(p) || N > MAX_N || (N & (N - 1)) !== 0 || N < 2 || r > 32 || p > 16) {
    return undefined;
  }
  const salt = Buffer.from(parts[4] ?? "", "base64url");
  const hash = Buffer.from(parts[5] ?? "", "base64url");
  if (salt.length === 0 || hash.length === 0) return undefined;
  return { N, r, p, salt, hash };
}

let dummy: Promise<string> | undefined;

/**
 * A valid hash of a random password, made once. Checking a password against it costs exactly what a
 * real check costs, so "no such user" takes as long as "wrong password".
 */
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(16).toString("base64url"));
  return dummy;
}

/**
 * Makes the dummy hash in the background, so the first sign-in of an unknown user does not pay for it
 * (that would make exactly that answer slower than the rest).
 */
export function prepareDummyHash(): void {
  dummyHash().catch(() => {
    dummy = undefined;
  });
}

/**
 * Whether `password` matches `stored`. Pass `undefined` for an unknown user: one scrypt is spent anyway
 * (against a dummy hash) and the answer is false, so timing does not tell which usernames exist.
 */
export async function verifyPassword(stored: string | undefined, password: string): Promise<boolean> {
  const parsed = parse(stored ?? (await dummyHash()));
  if (!parsed) {
    // A corrupt row: still spend the time, never match.
    await verifyPassword(undefined, password);
    return false;
  }
  const candidate = await scryptAsync(password, parsed.salt, parsed.hash.length, {
    N: parsed.N,
    r: parsed.r,
    p: parsed.p,
  });
  return stored !== undefined && timingSafeEqual(candidate, parsed.hash);
}

/** Whether a stored string is one of our scrypt hashes (tests check nothing else is ever stored). */
export function isPasswordHash(stored: string): boolean {
  return parse(stored) !== undefined;
}
