// Shared SIMD helpers for the stnmf kernels (AssemblyScript, compiled by scripts/build-wasm.mjs).
// All pointers are byte addresses into the one (possibly shared) linear memory; the JS side
// owns allocation. Every allocation is padded by at least 16 bytes, which is what lets the
// kernels load a whole v128 at the end of a row whose length is not a multiple of 4.

/** a*b + c: fused when the module is built with relaxed SIMD, otherwise mul then add. */
// @ts-ignore: decorator
@inline export function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** a*b + c on two float64 lanes: fused with relaxed SIMD, otherwise mul then add. */
// @ts-ignore: decorator
@inline export function fma64(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(f64x2.mul(a, b), c);
}

/** Lanes below `rem` all ones, the rest zero: ANDing a load with it zeroes over-read lanes. */
// @ts-ignore: decorator
@inline export function tailMask(rem: i32): v128 {
  return i32x4.gt_s(i32x4.splat(rem), i32x4(0, 1, 2, 3));
}

/** Horizontal sum in the fixed order (v0+v2)+(v1+v3), the same order hsum4 uses per lane. */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f32 {
  const t = f32x4.add(v, f32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1);
}

/** [Σa, Σb, Σc, Σd], each lane summed as (x0+x2)+(x1+x3) like `hsum`. */
// @ts-ignore: decorator
@inline export function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const p = f32x4.add(f32x4.shuffle(a, b, 0, 1, 4, 5), f32x4.shuffle(a, b, 2, 3, 6, 7));
  const q = f32x4.add(f32x4.shuffle(c, d, 0, 1, 4, 5), f32x4.shuffle(c, d, 2, 3, 6, 7));
  return f32x4.add(f32x4.shuffle(p, q, 0, 2, 4, 6), f32x4.shuffle(p, q, 1, 3, 5, 7));
}

/** Stores the first `rem` (1..4) lanes of v at ptr, leaving the bytes after them untouched. */
// @ts-ignore: decorator
@inline export function storeTail(ptr: usize, v: v128, rem: i32): void {
  if (rem == 4) v128.store(ptr, v);
  else if (rem == 2) v128.store64_lane(ptr, v, 0);
  else if (rem == 1) v128.store32_lane(ptr, v, 0);
  else {
    v128.store64_lane(ptr, v, 0);
    v128.store32_lane(ptr, v, 2, 8);
  }
}

/**
 * Natural logarithm of two positive normal float64 lanes: fdlibm's e_log.c (error < 1 ulp)
 * vectorised, so the loss at the non-zeros does not pay a scalar libm call per entry.
 */
// @ts-ignore: decorator
@inline export function logF64x2(x: v128): v128 {
  // Split x = 2^e · f with f in [√2/2, √2): subtract the bits of √2/2 so the exponent field
  // carries e, then rebuild f from the mantissa bits.
  const ix = i64x2.sub(x, i64x2.splat(0x3fe6a09e667f3bcd));
  const e = i64x2.shr_s(ix, 52);
  const fb = i64x2.add(v128.and(ix, i64x2.splat(0x000fffffffffffff)), i64x2.splat(0x3fe6a09e667f3bcd));
  const f = f64x2.sub(fb, f64x2.splat(1.0));
  const k = f64x2.convert_low_i32x4_s(i32x4.shuffle(e, e, 0, 2, 0, 2));
  const s = f64x2.div(f, f64x2.add(f64x2.splat(2.0), f));
  const z = f64x2.mul(s, s);
  const w = f64x2.mul(z, z);
  const t1 = f64x2.mul(w, f64x2.add(f64x2.splat(3.999999999940941908e-01), f64x2.mul(w, f64x2.add(f64x2.splat(2.222219843214978396e-01), f64x2.mul(w, f64x2.splat(1.531383769920937332e-01))))));
  const t2 = f64x2.mul(z, f64x2.add(f64x2.splat(6.666666666666735130e-01), f64x2.mul(w, f64x2.add(f64x2.splat(2.857142874366239149e-01), f64x2.mul(w, f64x2.add(f64x2.splat(1.818357216161805012e-01), f64x2.mul(w, f64x2.splat(1.479819860511658591e-01))))))));
  const R = f64x2.add(t2, t1);
  const hfsq = f64x2.mul(f64x2.splat(0.5), f64x2.mul(f, f));
  // k·ln2_hi − ((hfsq − (s·(hfsq + R) + k·ln2_lo)) − f)
  const inner = f64x2.add(f64x2.mul(s, f64x2.add(hfsq, R)), f64x2.mul(k, f64x2.splat(1.90821492927058770002e-10)));
  return f64x2.sub(f64x2.mul(k, f64x2.splat(6.93147180369123816490e-01)), f64x2.sub(f64x2.sub(hfsq, inner), f));
}

/**
 * Σ x·log(x / max(m, eps)) over two lanes, float64; lanes with x = 0 contribute 0 (the limit).
 */
// @ts-ignore: decorator
@inline export function xlogTerms(x: v128, m: v128, eps: v128): v128 {
  const mm = f64x2.pmax(m, eps);
  const xs = v128.bitselect(f64x2.splat(1.0), x, f64x2.eq(x, f64x2.splat(0)));
  const t = f64x2.mul(x, logF64x2(f64x2.div(xs, mm)));
  return t;
}
