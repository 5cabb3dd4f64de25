/**
 * The one seeded PRNG family of stnmf (methods-spec §0.2): xoshiro128** (Blackman & Vigna 2018)
 * seeded through splitmix32. 32-bit state words keep every step in V8's fast int32 path and
 * give the same stream in Node and browsers. Bit-exact agreement with NumPy, PyTorch or R is
 * not a goal; determinism given the seed is.
 *
 * Sub-streams: `rng.fork(id)` derives an independent generator from the parent's seed and an
 * integer id (restart r of a run uses `fork(r)`), so adding draws to one stream never shifts
 * another.
 */

import { StnmfError } from '../errors.js';

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A seeded pseudo-random generator with the distributions the methods need. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal = NaN;
  /** The seed this generator was created from (recorded in run.json). */
  readonly seed: number;

  /** @param seed any integer (or integer-valued number); 0 is a valid seed. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new StnmfError('BAD_OPTION', `Rng: seed must be a finite number, got ${seed}`);
    this.seed = seed;
    // Fold the full double into the splitmix state so seeds above 2^32 still differ.
    const st = { s: (Math.trunc(seed) ^ Math.trunc(seed / 4294967296)) | 0 };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** An independent generator for sub-stream `id` (e.g. restart number, worker, fold). */
  fork(id: number): Rng {
    const st = { s: (Math.trunc(this.seed) * 0x27d4eb2d + Math.imul(id + 1, 0x165667b1)) | 0 };
    return new Rng(splitmix32(st) ^ Math.imul(id, 0x9e3779b9));
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). Unbiased (rejection on the top range). */
  int(n: number): number {
    if (!(n >= 1) || n > 4294967296) throw new StnmfError('BAD_OPTION', `Rng.int: n must be in [1, 2^32], got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    let x: number;
    do x = this.nextUint32();
    while (x >= limit);
    return x % n;
  }

  /** Standard normal by the Marsaglia polar method (pairs cached). */
  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const s = this.spareNormal;
      this.spareNormal = NaN;
      return s;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    return u * f;
  }

  /** Gamma(shape, scale = 1) by Marsaglia & Tsang (2000); shape < 1 by the boost u^(1/shape). */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new StnmfError('BAD_OPTION', `Rng.gamma: shape must be > 0, got ${shape}`);
    if (shape < 1) {
      const u = this.uniform();
      return this.gamma(shape + 1) * Math.pow(u === 0 ? Number.MIN_VALUE : u, 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number, v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /**
   * Poisson(lambda). Inversion by sequential search for lambda < 30; the PTRS transformed
   * rejection of Hörmann (1993) above, so the cost stays O(1) for large rates.
   */
  poisson(lambda: number): number {
    if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new StnmfError('BAD_OPTION', `Rng.poisson: lambda must be finite and >= 0, got ${lambda}`);
    if (lambda === 0) return 0;
    if (lambda < 30) {
      let k = 0;
      let p = Math.exp(-lambda);
      let s = p;
      const u = this.uniform();
      while (u > s) {
        k++;
        p *= lambda / k;
        s += p;
        if (p < 1e-300 && k > lambda) break;
      }
      return k;
    }
    const slam = Math.sqrt(lambda);
    const loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const U = this.uniform() - 0.5;
      const V = this.uniform();
      const us = 0.5 - Math.abs(U);
      const k = Math.floor(((2 * a) / us + b) * U + lambda + 0.43);
      if (us >= 0.07 && V <= vr) return k;
      if (k < 0 || (us < 0.013 && V > us)) continue;
      if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) return k;
    }
  }

  /** A draw from Dirichlet(alpha) (normalised gammas) into `out` (length = alpha length). */
  dirichlet(alpha: ArrayLike<number>, out: Float64Array = new Float64Array(alpha.length)): Float64Array {
    let sum = 0;
    for (let i = 0; i < alpha.length; i++) {
      out[i] = this.gamma(alpha[i]);
      sum += out[i];
    }
    for (let i = 0; i < alpha.length; i++) out[i] /= sum;
    return out;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    this.shuffle(p);
    return p;
  }

  /** Shuffles `a` in place (Fisher–Yates). */
  shuffle(a: { length: number; [i: number]: number }): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const LOG_FACT_TABLE: number[] = [0];
/** log(k!) exactly for small k, Stirling series above 256. */
export function logFactorial(k: number): number {
  if (k < 256) {
    for (let i = LOG_FACT_TABLE.length; i <= k; i++) LOG_FACT_TABLE[i] = LOG_FACT_TABLE[i - 1] + Math.log(i);
    return LOG_FACT_TABLE[k];
  }
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x * x);
}
