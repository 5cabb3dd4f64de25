// Dense kernels (X·Bᵀ, Aᵀ·X, Gram), the HALS sweep and the element-wise kernels.
// Conventions as in common.ts: byte pointers, row ranges [r0, r1) so worker threads can take
// row blocks, allocations padded by 64 bytes so whole-vector over-reads stay in bounds.
import { fma, tailMask, hsum, hsum4, storeTail } from './common';

/** out[i, t] = ⟨X[i,:], B[t,:]⟩ for rows r0..r1: X n x p, B k x p, out n x k. 4x2 register tiles. */
export function denseXBt(x: usize, b: usize, out: usize, p: i32, k: i32, r0: i32, r1: i32): void {
  const ld = <usize>p << 2;
  const full = <usize>(p >> 2) << 4; // bytes covered by whole vectors
  const rem = p & 3;
  const mask = tailMask(rem);
  const ldo = <usize>k << 2;
  let i = r0;
  for (; i + 3 < r1; i += 4) {
    const x0 = x + <usize>i * ld;
    const x1 = x0 + ld;
    const x2 = x1 + ld;
    const x3 = x2 + ld;
    const o = out + <usize>i * ldo;
    let t = 0;
    for (; t + 1 < k; t += 2) {
      const b0 = b + <usize>t * ld;
      const b1 = b0 + ld;
      let a00 = f32x4.splat(0), a10 = f32x4.splat(0), a20 = f32x4.splat(0), a30 = f32x4.splat(0);
      let a01 = f32x4.splat(0), a11 = f32x4.splat(0), a21 = f32x4.splat(0), a31 = f32x4.splat(0);
      for (let j: usize = 0; j < full; j += 16) {
        const vb0 = v128.load(b0 + j);
        const vb1 = v128.load(b1 + j);
        const v0 = v128.load(x0 + j);
        a00 = fma(v0, vb0, a00); a01 = fma(v0, vb1, a01);
        const v1 = v128.load(x1 + j);
        a10 = fma(v1, vb0, a10); a11 = fma(v1, vb1, a11);
        const v2 = v128.load(x2 + j);
        a20 = fma(v2, vb0, a20); a21 = fma(v2, vb1, a21);
        const v3 = v128.load(x3 + j);
        a30 = fma(v3, vb0, a30); a31 = fma(v3, vb1, a31);
      }
      if (rem) {
        const vb0 = v128.and(v128.load(b0 + full), mask);
        const vb1 = v128.and(v128.load(b1 + full), mask);
        const v0 = v128.and(v128.load(x0 + full), mask);
        a00 = fma(v0, vb0, a00); a01 = fma(v0, vb1, a01);
        const v1 = v128.and(v128.load(x1 + full), mask);
        a10 = fma(v1, vb0, a10); a11 = fma(v1, vb1, a11);
        const v2 = v128.and(v128.load(x2 + full), mask);
        a20 = fma(v2, vb0, a20); a21 = fma(v2, vb1, a21);
        const v3 = v128.and(v128.load(x3 + full), mask);
        a30 = fma(v3, vb0, a30); a31 = fma(v3, vb1, a31);
      }
      const s0 = hsum4(a00, a10, a20, a30);
      const s1 = hsum4(a01, a11, a21, a31);
      const ot = o + (<usize>t << 2);
      store<f32>(ot, f32x4.extract_lane(s0, 0)); store<f32>(ot, f32x4.extract_lane(s1, 0), 4);
      store<f32>(ot + ldo, f32x4.extract_lane(s0, 1)); store<f32>(ot + ldo, f32x4.extract_lane(s1, 1), 4);
      store<f32>(ot + 2 * ldo, f32x4.extract_lane(s0, 2)); store<f32>(ot + 2 * ldo, f32x4.extract_lane(s1, 2), 4);
      store<f32>(ot + 3 * ldo, f32x4.extract_lane(s0, 3)); store<f32>(ot + 3 * ldo, f32x4.extract_lane(s1, 3), 4);
    }
    if (t < k) {
      const b0 = b + <usize>t * ld;
      let a00 = f32x4.splat(0), a10 = f32x4.splat(0), a20 = f32x4.splat(0), a30 = f32x4.splat(0);
      for (let j: usize = 0; j < full; j += 16) {
        const vb0 = v128.load(b0 + j);
        a00 = fma(v128.load(x0 + j), vb0, a00);
        a10 = fma(v128.load(x1 + j), vb0, a10);
        a20 = fma(v128.load(x2 + j), vb0, a20);
        a30 = fma(v128.load(x3 + j), vb0, a30);
      }
      if (rem) {
        const vb0 = v128.and(v128.load(b0 + full), mask);
        a00 = fma(v128.and(v128.load(x0 + full), mask), vb0, a00);
        a10 = fma(v128.and(v128.load(x1 + full), mask), vb0, a10);
        a20 = fma(v128.and(v128.load(x2 + full), mask), vb0, a20);
        a30 = fma(v128.and(v128.load(x3 + full), mask), vb0, a30);
      }
      const s0 = hsum4(a00, a10, a20, a30);
      const ot = o + (<usize>t << 2);
      store<f32>(ot, f32x4.extract_lane(s0, 0));
      store<f32>(ot + ldo, f32x4.extract_lane(s0, 1));
      store<f32>(ot + 2 * ldo, f32x4.extract_lane(s0, 2));
      store<f32>(ot + 3 * ldo, f32x4.extract_lane(s0, 3));
    }
  }
  for (; i < r1; i++) {
    const x0 = x + <usize>i * ld;
    const o = out + <usize>i * ldo;
    for (let t = 0; t < k; t++) {
      const b0 = b + <usize>t * ld;
      let a0 = f32x4.splat(0);
      for (let j: usize = 0; j < full; j += 16) a0 = fma(v128.load(x0 + j), v128.load(b0 + j), a0);
      if (rem) a0 = fma(v128.and(v128.load(x0 + full), mask), v128.and(v128.load(b0 + full), mask), a0);
      store<f32>(o + (<usize>t << 2), hsum(a0));
    }
  }
}

/**
 * out (k x p), columns c0..c1 = Aᵀ·X with A n x k and X n x p. Rows of X are taken in blocks of
 * IB so the block stays in cache while every 4x8 output tile sweeps it; each tile is loaded,
 * accumulated over the block and stored. Threads split the columns (c0 a multiple of 8).
 */
export function denseAtX(a: usize, x: usize, out: usize, n: i32, k: i32, p: i32, c0: i32, c1: i32): void {
  const IB = 64;
  const ldx = <usize>p << 2;
  const lda = <usize>k << 2;
  for (let ib = 0; ib < n; ib += IB) {
    const ie = min(n, ib + IB);
    const first = ib == 0;
    let j = c0;
    for (; j + 8 <= c1; j += 8) {
      const xb = x + <usize>ib * ldx + (<usize>j << 2);
      let t = 0;
      for (; t + 3 < k; t += 4) {
        const o0 = out + <usize>t * ldx + (<usize>j << 2);
        const o1 = o0 + ldx;
        const o2 = o1 + ldx;
        const o3 = o2 + ldx;
        let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
        let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
        if (!first) {
          c00 = v128.load(o0); c01 = v128.load(o0, 16);
          c10 = v128.load(o1); c11 = v128.load(o1, 16);
          c20 = v128.load(o2); c21 = v128.load(o2, 16);
          c30 = v128.load(o3); c31 = v128.load(o3, 16);
        }
        let xp = xb;
        let ap = a + <usize>ib * lda + (<usize>t << 2);
        for (let i = ib; i < ie; i++) {
          const v0 = v128.load(xp);
          const v1 = v128.load(xp, 16);
          const s0 = f32x4.splat(load<f32>(ap));
          c00 = fma(s0, v0, c00); c01 = fma(s0, v1, c01);
          const s1 = f32x4.splat(load<f32>(ap, 4));
          c10 = fma(s1, v0, c10); c11 = fma(s1, v1, c11);
          const s2 = f32x4.splat(load<f32>(ap, 8));
          c20 = fma(s2, v0, c20); c21 = fma(s2, v1, c21);
          const s3 = f32x4.splat(load<f32>(ap, 12));
          c30 = fma(s3, v0, c30); c31 = fma(s3, v1, c31);
          xp += ldx;
          ap += lda;
        }
        v128.store(o0, c00); v128.store(o0, c01, 16);
        v128.store(o1, c10); v128.store(o1, c11, 16);
        v128.store(o2, c20); v128.store(o2, c21, 16);
        v128.store(o3, c30); v128.store(o3, c31, 16);
      }
      for (; t < k; t++) {
        const o0 = out + <usize>t * ldx + (<usize>j << 2);
        let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
        if (!first) { c00 = v128.load(o0); c01 = v128.load(o0, 16); }
        let xp = xb;
        let ap = a + <usize>ib * lda + (<usize>t << 2);
        for (let i = ib; i < ie; i++) {
          const s0 = f32x4.splat(load<f32>(ap));
          c00 = fma(s0, v128.load(xp), c00); c01 = fma(s0, v128.load(xp, 16), c01);
          xp += ldx;
          ap += lda;
        }
        v128.store(o0, c00); v128.store(o0, c01, 16);
      }
    }
    // Last 1..7 columns: one vector at a time, only the lanes inside the range are stored.
    for (; j < c1; j += 4) {
      const w = min(4, c1 - j);
      for (let t = 0; t < k; t++) {
        const o0 = out + <usize>t * ldx + (<usize>j << 2);
        let c00 = first ? f32x4.splat(0) : v128.load(o0);
        let xp = x + <usize>ib * ldx + (<usize>j << 2);
        let ap = a + <usize>ib * lda + (<usize>t << 2);
        for (let i = ib; i < ie; i++) {
          c00 = fma(f32x4.splat(load<f32>(ap)), v128.load(xp), c00);
          xp += ldx;
          ap += lda;
        }
        storeTail(o0, c00, w);
      }
    }
  }
  if (n == 0) {
    for (let t = 0; t < k; t++) memory.fill(out + <usize>t * ldx + (<usize>c0 << 2), 0, <usize>(c1 - c0) << 2);
  }
}

/**
 * acc (float64, k4 x ldacc with k4 = k rounded up to 4, ldacc = k rounded up to 8) =
 * Σ over rows r0..r1 of A[i,:]ᵀ·A[i,:], upper-triangle tiles only. Each block of IB rows is
 * summed in float32 registers and then added into the float64 accumulator.
 */
export function gramPart(a: usize, k: i32, r0: i32, r1: i32, acc: usize, ldacc: i32): void {
  const IB = 256;
  const k4 = (k + 3) & ~3;
  memory.fill(acc, 0, (<usize>k4 * <usize>ldacc) << 3);
  const lda = <usize>k << 2;
  const ldc = <usize>ldacc << 3;
  for (let ib = r0; ib < r1; ib += IB) {
    const ie = min(r1, ib + IB);
    for (let s0 = 0; s0 < k; s0 += 4) {
      for (let t0 = s0 & ~7; t0 < k; t0 += 8) {
        let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
        let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
        let ap = a + <usize>ib * lda;
        const ot = <usize>t0 << 2;
        const os = <usize>s0 << 2;
        for (let i = ib; i < ie; i++) {
          const v0 = v128.load(ap + ot);
          const v1 = v128.load(ap + ot, 16);
          const w = ap + os;
          const s0v = f32x4.splat(load<f32>(w));
          c00 = fma(s0v, v0, c00); c01 = fma(s0v, v1, c01);
          const s1v = f32x4.splat(load<f32>(w, 4));
          c10 = fma(s1v, v0, c10); c11 = fma(s1v, v1, c11);
          const s2v = f32x4.splat(load<f32>(w, 8));
          c20 = fma(s2v, v0, c20); c21 = fma(s2v, v1, c21);
          const s3v = f32x4.splat(load<f32>(w, 12));
          c30 = fma(s3v, v0, c30); c31 = fma(s3v, v1, c31);
          ap += lda;
        }
        const base = acc + <usize>s0 * ldc + (<usize>t0 << 3);
        flush8(base, c00, c01);
        flush8(base + ldc, c10, c11);
        flush8(base + 2 * ldc, c20, c21);
        flush8(base + 3 * ldc, c30, c31);
      }
    }
  }
}

// @ts-ignore: decorator
@inline function flush8(p: usize, lo: v128, hi: v128): void {
  v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(lo)));
  v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(f32x4.shuffle(lo, lo, 2, 3, 0, 1))), 16);
  v128.store(p, f64x2.add(v128.load(p, 32), f64x2.promote_low_f32x4(hi)), 32);
  v128.store(p, f64x2.add(v128.load(p, 48), f64x2.promote_low_f32x4(f32x4.shuffle(hi, hi, 2, 3, 0, 1))), 48);
}

/**
 * HALS sweep for k > 32 (see Kernels.halsSweep): rows r0..r1 of F (n x k), `bp` = B (k x k) copied
 * with its rows padded with zeros to kp = k rounded up to 4. Returns the summed violation.
 */
export function halsGeneric(f: usize, a: usize, bp: usize, k: i32, kp: i32, r0: i32, r1: i32): f64 {
  const last = <usize>(kp - 4) << 2;
  const mask = tailMask(k - (kp - 4));
  const ldf = <usize>k << 2;
  const ldb = <usize>kp << 2;
  let viol: f64 = 0;
  for (let i = r0; i < r1; i++) {
    const fi = f + <usize>i * ldf;
    const ai = a + <usize>i * ldf;
    for (let t = 0; t < k; t++) {
      const bt = bp + <usize>t * ldb;
      let s = f32x4.mul(v128.and(v128.load(fi + last), mask), v128.load(bt + last));
      for (let m: usize = 0; m < last; m += 16) s = fma(v128.load(fi + m), v128.load(bt + m), s);
      const grad = <f64>hsum(s) - <f64>load<f32>(ai + (<usize>t << 2));
      const ft = <f64>load<f32>(fi + (<usize>t << 2));
      const pg = ft == 0 ? min<f64>(0, grad) : grad;
      viol += abs<f64>(pg);
      const hess = <f64>load<f32>(bt + (<usize>t << 2));
      if (hess != 0) store<f32>(fi + (<usize>t << 2), <f32>max<f64>(0, ft - grad / hess));
    }
  }
  return viol;
}

/**
 * F ← F ⊙ num ⊘ den for rows r0..r1, in float64 like the reference (f·(num/d) rounded once).
 * `denIsVec`: den has k entries shared by all rows; otherwise it is shaped like F.
 * Zero denominators are replaced by eps. Results in (0, floor) are raised to `floor`: entries
 * decaying under multiplicative updates would otherwise sink into float32 subnormals, which
 * x86 multiplies through slow microcode and wasm has no flush-to-zero mode for (issue 16).
 */
export function muApply(f: usize, num: usize, den: usize, k: i32, denIsVec: bool, eps: f64, floor: f64, r0: i32, r1: i32): void {
  const epsv = f64x2.splat(eps);
  const floorv = f64x2.splat(floor);
  if (!denIsVec) {
    muRange(f, num, den, <usize>r0 * <usize>k, <usize>r1 * <usize>k, epsv, floorv, eps, floor);
    return;
  }
  for (let i = r0; i < r1; i++) {
    const off = <usize>i * <usize>k;
    muRange(f + (off << 2), num + (off << 2), den, 0, <usize>k, epsv, floorv, eps, floor);
  }
}

// @ts-ignore: decorator
@inline function muRange(f: usize, num: usize, den: usize, q0: usize, q1: usize, epsv: v128, floorv: v128, eps: f64, floor: f64): void {
  const zero = f64x2.splat(0);
  let q = q0;
  for (; q + 2 <= q1; q += 2) {
    const o = q << 2;
    const fv = f64x2.promote_low_f32x4(v128.load64_zero(f + o));
    const nv = f64x2.promote_low_f32x4(v128.load64_zero(num + o));
    let dv = f64x2.promote_low_f32x4(v128.load64_zero(den + o));
    dv = v128.bitselect(epsv, dv, f64x2.eq(dv, zero));
    const rv = f64x2.mul(fv, f64x2.div(nv, dv));
    // Lanes in (0, floor) are raised to the floor; 0 and NaN fail a comparison and stay.
    const low = v128.and(f64x2.lt(rv, floorv), f64x2.gt(rv, zero));
    v128.store64_lane(f + o, f32x4.demote_f64x2_zero(v128.bitselect(floorv, rv, low)), 0);
  }
  if (q < q1) {
    const o = q << 2;
    let d = <f64>load<f32>(den + o);
    if (d == 0) d = eps;
    const r = <f64>load<f32>(f + o) * (<f64>load<f32>(num + o) / d);
    store<f32>(f + o, <f32>(r > 0 && r < floor ? floor : r));
  }
}

/** acc[t] (float64, zeroed here) = Σ over rows r0..r1 of A[i, t], each column summed in row order. */
export function colSums(a: usize, k: i32, r0: i32, r1: i32, acc: usize): void {
  memory.fill(acc, 0, <usize>k << 3);
  const ld = <usize>k << 2;
  const pairs = <usize>(k >> 1) << 1;
  for (let i = r0; i < r1; i++) {
    const ai = a + <usize>i * ld;
    let t: usize = 0;
    for (; t < pairs; t += 2) {
      const p = acc + (t << 3);
      v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v128.load64_zero(ai + (t << 2)))));
    }
    if (t < <usize>k) store<f64>(acc + (t << 3), load<f64>(acc + (t << 3)) + <f64>load<f32>(ai + (t << 2)));
  }
}

/**
 * vals[q] = data[q] / max(vals[q], eps) for entries q0..q1 (float32): the Poisson ratios at X's
 * non-zeros once `vals` holds the model there (sddmm), for the scattered H step.
 */
export function nzRatios(data: usize, vals: usize, eps: f32, q0: i32, q1: i32): void {
  const epsv = f32x4.splat(eps);
  let q = q0;
  for (; q + 4 <= q1; q += 4) {
    const o = <usize>q << 2;
    store<v128>(vals + o, f32x4.div(v128.load(data + o), f32x4.max(v128.load(vals + o), epsv)));
  }
  for (; q < q1; q++) {
    const o = <usize>q << 2;
    const m = load<f32>(vals + o);
    store<f32>(vals + o, load<f32>(data + o) / (m < eps ? eps : m));
  }
}

/** Σ a[q]² over q0..q1 in float64. */
export function sumSquares(a: usize, q0: i32, q1: i32): f64 {
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let q = q0;
  for (; q + 4 <= q1; q += 4) {
    const v = v128.load(a + (<usize>q << 2));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 0, 1));
    s0 = f64x2.add(s0, f64x2.mul(lo, lo));
    s1 = f64x2.add(s1, f64x2.mul(hi, hi));
  }
  let s: f64 = 0;
  for (; q < q1; q++) {
    const v = <f64>load<f32>(a + (<usize>q << 2));
    s += v * v;
  }
  const t = f64x2.add(s0, s1);
  return f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1) + s;
}

/** A[i, t] *= s[t] (s float64) for rows r0..r1, computed in float64 and rounded once. */
export function scaleCols(a: usize, s: usize, k: i32, r0: i32, r1: i32): void {
  const ld = <usize>k << 2;
  const pairs = <usize>(k >> 1) << 1;
  for (let i = r0; i < r1; i++) {
    const ai = a + <usize>i * ld;
    let t: usize = 0;
    for (; t < pairs; t += 2) {
      const p = ai + (t << 2);
      const v = f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(p)), v128.load(s + (t << 3)));
      v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
    }
    if (t < <usize>k) store<f32>(ai + (t << 2), <f32>(<f64>load<f32>(ai + (t << 2)) * load<f64>(s + (t << 3))));
  }
}

/** A[i, :] *= s[i] (s float64) for rows r0..r1, computed in float64 and rounded once. */
export function scaleRows(a: usize, s: usize, k: i32, r0: i32, r1: i32): void {
  const ld = <usize>k << 2;
  const pairs = <usize>(k >> 1) << 1;
  for (let i = r0; i < r1; i++) {
    const ai = a + <usize>i * ld;
    const sv = f64x2.splat(load<f64>(s + (<usize>i << 3)));
    let t: usize = 0;
    for (; t < pairs; t += 2) {
      const p = ai + (t << 2);
      v128.store64_lane(p, f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(p)), sv)), 0);
    }
    if (t < <usize>k) store<f32>(ai + (t << 2), <f32>(<f64>load<f32>(ai + (t << 2)) * f64x2.extract_lane(sv, 0)));
  }
}

/** out[j, :k] = Σ_p part_p[j, :k] in part order, for rows j0..j1 (parts have row stride kp). */
export function addParts(out: usize, parts: usize, nparts: i32, partBytes: usize, k: i32, kp: i32, j0: i32, j1: i32): void {
  const kv = kp >> 2;
  const rem = k - ((kv - 1) << 2);
  for (let j = j0; j < j1; j++) {
    const o = out + ((<usize>j * <usize>k) << 2);
    const pj = parts + ((<usize>j * <usize>kp) << 2);
    for (let m = 0; m < kv; m++) {
      const off = <usize>m << 4;
      let v = v128.load(pj + off);
      for (let p = 1; p < nparts; p++) v = f32x4.add(v, v128.load(pj + <usize>p * partBytes + off));
      if (m < kv - 1) v128.store(o + off, v);
      else storeTail(o + off, v, rem);
    }
  }
}

/** Lowest address the JS allocator may hand out (after the module's static data). */
export function heapBase(): usize {
  return __heap_base;
}
