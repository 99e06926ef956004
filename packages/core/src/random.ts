/**
 * Seeded randomness for what must come out the same on every run: demo data, simulations, benchmarks
 * and generated test histories. Never for anything a person could exploit (sampling uses SHA-256).
 */

/** mulberry32 (Tommy Ettinger): a small, fast 32-bit generator; uniform on [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller), from two uniforms of `rand`. */
export function standardNormal(rand: () => number): number {
  const u1 = 1 - rand();
  const u2 = rand();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
