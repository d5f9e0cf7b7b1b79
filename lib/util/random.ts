import seedrandom from 'seedrandom';

/**
 * A seeded random source whose state can be saved and restored, so that a resumed run draws the same numbers
 * as an uninterrupted one. Backed by seedrandom's ARC4 generator, the one TensorFlow.js itself uses.
 */
export class Random {
  private generator: seedrandom.StatefulPRNG<seedrandom.State.Arc4>;

  constructor(seed: number | string, state?: seedrandom.State.Arc4) {
    this.generator = state ? seedrandom('', { state }) : seedrandom(String(seed), { state: true });
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.generator();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.generator() * n);
  }

  /** A 32-bit integer, for seeding TensorFlow.js ops that take a seed. */
  seed(): number {
    return this.generator.int32() >>> 0;
  }

  /** Fisher-Yates shuffle of 0..n-1. */
  permutation(n: number): Int32Array {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  state(): seedrandom.State.Arc4 {
    return this.generator.state();
  }
}

/**
 * A seed as tfjs' random ops should get it: they treat a falsy seed as none at all (`seed || Math.random()`),
 * so seed 0 would draw different numbers on every call. Shifting by one keeps distinct seeds distinct.
 */
export function opSeed(seed: number): number {
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`a seed must be a non-negative integer, got ${seed}`);
  return seed + 1;
}
