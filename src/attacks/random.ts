/** Seeded randomness for the attacks: one stream per (seed, attack, restart, batch), so runs repeat bit for bit. */

/**
 * A 32-bit seed mixed from integers (FNV-1a over their 32-bit words, then a murmur finalizer).
 * @internal
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h ^= p >>> 0;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) % 2147483647;
}

/**
 * mulberry32: uniform floats in [0, 1) from a 32-bit seed.
 * @internal
 */
export function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An integer in [low, high) (low when high ≤ low).
 * @internal
 */
export function randomInt(random: () => number, low: number, high: number): number {
  return high <= low ? low : low + Math.floor(random() * (high - low));
}

/**
 * n signs ±1.
 * @internal
 */
export function randomSigns(random: () => number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = random() < 0.5 ? -1 : 1;
  return out;
}
