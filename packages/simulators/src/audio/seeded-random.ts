/**
 * A small seeded generator (mulberry32), so simulated noise, loss and jitter repeat exactly for a
 * given seed: a failing run can be replayed.
 */

/** Uniform numbers in [0, 1) from a 32-bit seed. */
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

/** Roughly Gaussian numbers (mean 0, standard deviation 1): the sum of four uniforms, rescaled. */
export function gaussian(random: () => number): number {
  return (random() + random() + random() + random() - 2) * Math.sqrt(3);
}

/** Peak-free amplitude (16-bit) of noise whose RMS is `dbfs` (full scale 32768). */
export function dbfsToAmplitude(dbfs: number): number {
  return 32768 * 10 ** (dbfs / 20);
}
