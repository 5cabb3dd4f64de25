// Generates the AssemblyScript source of the row kernels (SpMM, SpMMᵀ, SDDMM, the fused
// Poisson ratio SpMM, the loss at the non-zeros, and the small dense A·B), specialised by the
// number of f32x4 vectors per row (1..8, i.e. up to 32 columns per pass), so the per-row
// accumulators live in registers (compute-notes.md §1: "sparse inner loops specialised by
// vector count"). Wider k is processed in 32-column chunks by the exported wrappers.
// Used by scripts/build-wasm.mjs; the output is written next to the hand-written sources in a
// temporary directory and never committed.

const MAXKV = 8;
const r = (n) => [...Array(n).keys()];
const lines = (n, f) => r(n).map(f).join('\n');
const P = (e) => `(<usize>(${e}) << 2)`; // f32/i32 element index -> byte offset

// SpMM loop shape per vector count: [accumulator sets, non-zeros per iteration]. Measured at
// n = 4000, g = 2000, 10% density (ns per non-zero, this machine, V8 11.3): two sets of
// accumulators and two non-zeros per iteration win up to 3 vectors; from 5 vectors on, one set
// and one non-zero per iteration was 1.45x faster at k = 20 (1.48 vs 2.1 ns) and 1.5x at k = 24,
// apparently because the unrolled loop runs V8 out of xmm registers; 4 and 8 vectors prefer one
// set with two non-zeros per iteration.
const SPMM_SHAPE = { 1: [2, 2], 2: [2, 2], 3: [2, 2], 4: [1, 2], 5: [1, 1], 6: [1, 1], 7: [1, 1], 8: [1, 2] };

function spmmK(kv) {
  // UNROLL non-zeros per iteration, alternating between the accumulator sets (SPMM_SHAPE).
  const [sets, UNROLL] = SPMM_SHAPE[kv];
  const two = sets === 2;
  const acc = (u) => (two && u % 2 ? 'e' : 'a');
  const nz = (u) => `      const p${u} = bb + ((<usize>load<i32>(indices + ${P(`q + ${u}`)}) * <usize>ldb) << 2);
      const v${u} = f32x4.splat(load<f32>(data + ${P(`q + ${u}`)}));
${lines(kv, (m) => `      ${acc(u)}${m} = fma(v${u}, v128.load(p${u}, ${16 * m}), ${acc(u)}${m});`)}`;
  return `
function spmm_${kv}(indptr: usize, indices: usize, data: usize, b: usize, out: usize, ldb: i32, ldo: i32, c0: i32, rem: i32, r0: i32, r1: i32): void {
  const bb = b + ${P('c0')};
  for (let i = r0; i < r1; i++) {
    let q = load<i32>(indptr + ${P('i')});
    const qe = load<i32>(indptr + ${P('i + 1')});
${lines(kv, (m) => `    let a${m} = f32x4.splat(0);${two ? ` let e${m} = f32x4.splat(0);` : ''}`)}
    for (; q + ${UNROLL - 1} < qe; q += ${UNROLL}) {
${r(UNROLL).map(nz).join('\n')}
    }
    for (; q < qe; q++) {
${nz(0)}
    }
${two ? lines(kv, (m) => `    a${m} = f32x4.add(a${m}, e${m});`) : ''}
    const o = out + ((<usize>i * <usize>ldo + <usize>c0) << 2);
${lines(kv - 1, (m) => `    v128.store(o, a${m}, ${16 * m});`)}
    storeTail(o + ${16 * (kv - 1)}, a${kv - 1}, rem);
  }
}`;
}

function denseABK(kv) {
  return `
function denseAB_${kv}(a: usize, b: usize, out: usize, ka: i32, ldb: i32, c0: i32, rem: i32, r0: i32, r1: i32): void {
  const bb = b + ${P('c0')};
  for (let i = r0; i < r1; i++) {
    const ai = a + ((<usize>i * <usize>ka) << 2);
${lines(kv, (m) => `    let a${m} = f32x4.splat(0); let e${m} = f32x4.splat(0);`)}
    let t = 0;
    for (; t + 1 < ka; t += 2) {
      const p0 = bb + ((<usize>t * <usize>ldb) << 2);
      const p1 = p0 + (<usize>ldb << 2);
      const v0 = f32x4.splat(load<f32>(ai + ${P('t')}));
      const v1 = f32x4.splat(load<f32>(ai + ${P('t + 1')}));
${lines(kv, (m) => `      a${m} = fma(v0, v128.load(p0, ${16 * m}), a${m});`)}
${lines(kv, (m) => `      e${m} = fma(v1, v128.load(p1, ${16 * m}), e${m});`)}
    }
    if (t < ka) {
      const p0 = bb + ((<usize>t * <usize>ldb) << 2);
      const v0 = f32x4.splat(load<f32>(ai + ${P('t')}));
${lines(kv, (m) => `      a${m} = fma(v0, v128.load(p0, ${16 * m}), a${m});`)}
    }
${lines(kv, (m) => `    a${m} = f32x4.add(a${m}, e${m});`)}
    const o = out + ((<usize>i * <usize>ldb + <usize>c0) << 2);
${lines(kv - 1, (m) => `    v128.store(o, a${m}, ${16 * m});`)}
    storeTail(o + ${16 * (kv - 1)}, a${kv - 1}, rem);
  }
}`;
}

function spmmTK(kv) {
  return `
function spmmT_${kv}(indptr: usize, indices: usize, data: usize, a: usize, part: usize, lda: i32, ldp: i32, c0: i32, r0: i32, r1: i32): void {
  const pb = part + ${P('c0')};
  for (let i = r0; i < r1; i++) {
    const ai = a + ((<usize>i * <usize>lda + <usize>c0) << 2);
${lines(kv, (m) => `    const x${m} = v128.load(ai, ${16 * m});`)}
    const qe = load<i32>(indptr + ${P('i + 1')});
    for (let q = load<i32>(indptr + ${P('i')}); q < qe; q++) {
      const p = pb + ((<usize>load<i32>(indices + ${P('q')}) * <usize>ldp) << 2);
      const v = f32x4.splat(load<f32>(data + ${P('q')}));
${lines(kv, (m) => `      v128.store(p, fma(v, x${m}, v128.load(p, ${16 * m})), ${16 * m});`)}
    }
  }
}`;
}

// Dot products of the row's A vectors (x0..) with B row at pointer `p`: s = Σ x_m * B_m.
const dot = (kv, s, p, mask = 'mask') =>
  lines(kv, (m) => {
    const ld = m === kv - 1 ? `v128.and(v128.load(${p}, ${16 * m}), ${mask})` : `v128.load(${p}, ${16 * m})`;
    return m === 0 ? `      let ${s} = f32x4.mul(x0, ${ld});` : `      ${s} = fma(x${m}, ${ld}, ${s});`;
  });
const loadX = (kv, base) =>
  lines(kv, (m) => `    const x${m} = ${m === kv - 1 ? `v128.and(v128.load(${base}, ${16 * m}), mask)` : `v128.load(${base}, ${16 * m})`};`);
const rowPtr = (name, q) => `      const ${name} = bb + ((<usize>load<i32>(indices + ${P(q)}) * <usize>ld) << 2);`;

function sddmmK(kv) {
  return `
function sddmm_${kv}(indptr: usize, indices: usize, a: usize, b: usize, out: usize, ld: i32, c0: i32, rem: i32, accum: bool, r0: i32, r1: i32): void {
  const mask = tailMask(rem);
  const bb = b + ${P('c0')};
  for (let i = r0; i < r1; i++) {
    const ai = a + ((<usize>i * <usize>ld + <usize>c0) << 2);
${loadX(kv, 'ai')}
    let q = load<i32>(indptr + ${P('i')});
    const qe = load<i32>(indptr + ${P('i + 1')});
    for (; q + 3 < qe; q += 4) {
${rowPtr('p0', 'q')}
${rowPtr('p1', 'q + 1')}
${rowPtr('p2', 'q + 2')}
${rowPtr('p3', 'q + 3')}
${dot(kv, 's0', 'p0')}
${dot(kv, 's1', 'p1')}
${dot(kv, 's2', 'p2')}
${dot(kv, 's3', 'p3')}
      let s = hsum4(s0, s1, s2, s3);
      const o = out + ${P('q')};
      if (accum) s = f32x4.add(v128.load(o), s);
      v128.store(o, s);
    }
    for (; q < qe; q++) {
${rowPtr('p0', 'q')}
${dot(kv, 's0', 'p0')}
      const o = out + ${P('q')};
      const s = hsum(s0);
      store<f32>(o, accum ? load<f32>(o) + s : s);
    }
  }
}`;
}

// Fused Poisson numerator, two passes per row: the ratios r = x / max(⟨A_i, B_j⟩, eps) of the
// row go to a small per-thread scratch (dot products four non-zeros at a time, as in SDDMM),
// then they are accumulated like SpMM values. The B rows of one row (about nnz_i·k·4 bytes)
// are still in L1 for the second pass; a single pass that kept both the A row and the
// accumulators in registers measured 1.5x slower.
function ratioK(kv) {
  const [sets, UNROLL] = SPMM_SHAPE[kv];
  const two = sets === 2;
  const acc = (u) => (two && u % 2 ? 'e' : 'c');
  const nz = (u) => `      const p${u} = bb + ((<usize>load<i32>(indices + ${P(`q + ${u}`)}) * <usize>ld) << 2);
      const v${u} = f32x4.splat(load<f32>(sc + ${P(`q + ${u}`)}));
${lines(kv, (m) => `      ${acc(u)}${m} = fma(v${u}, v128.load(p${u}, ${16 * m}), ${acc(u)}${m});`)}`;
  return `
function ratio_${kv}(indptr: usize, indices: usize, data: usize, a: usize, b: usize, out: usize, ld: i32, rem: i32, eps: f32, scratch: usize, r0: i32, r1: i32): void {
  const mask = tailMask(rem);
  const bb = b;
  const epsv = f32x4.splat(eps);
  for (let i = r0; i < r1; i++) {
    const ai = a + ((<usize>i * <usize>ld) << 2);
${loadX(kv, 'ai')}
    const q0 = load<i32>(indptr + ${P('i')});
    const qe = load<i32>(indptr + ${P('i + 1')});
    // sc + 4q addresses scratch[q − q0] (wrapping usize arithmetic).
    const sc = scratch - ${P('q0')};
    let q = q0;
    for (; q + 3 < qe; q += 4) {
${rowPtr('p0', 'q')}
${rowPtr('p1', 'q + 1')}
${rowPtr('p2', 'q + 2')}
${rowPtr('p3', 'q + 3')}
${dot(kv, 's0', 'p0')}
${dot(kv, 's1', 'p1')}
${dot(kv, 's2', 'p2')}
${dot(kv, 's3', 'p3')}
      v128.store(sc + ${P('q')}, f32x4.div(v128.load(data + ${P('q')}), f32x4.pmax(hsum4(s0, s1, s2, s3), epsv)));
    }
    for (; q < qe; q++) {
${rowPtr('p0', 'q')}
${dot(kv, 's0', 'p0')}
      let mv = hsum(s0);
      if (mv < eps) mv = eps;
      store<f32>(sc + ${P('q')}, load<f32>(data + ${P('q')}) / mv);
    }
${lines(kv, (m) => `    let c${m} = f32x4.splat(0);${two ? ` let e${m} = f32x4.splat(0);` : ''}`)}
    q = q0;
    for (; q + ${UNROLL - 1} < qe; q += ${UNROLL}) {
${r(UNROLL).map(nz).join('\n')}
    }
    for (; q < qe; q++) {
${nz(0)}
    }
${two ? lines(kv, (m) => `    c${m} = f32x4.add(c${m}, e${m});`) : ''}
    const o = out + ((<usize>i * <usize>ld) << 2);
${lines(kv - 1, (m) => `    v128.store(o, c${m}, ${16 * m});`)}
    storeTail(o + ${16 * (kv - 1)}, c${kv - 1}, rem);
  }
}`;
}

// Fused Poisson numerator of the H step, out = Rᵀ·A with R_ij = x_ij / max(⟨A_i, B_j⟩, eps): per
// row, the ratios go to the per-thread row scratch exactly as in ratio_kv (the same dot
// products, four non-zeros at a time), then they are scattered like SpMMᵀ values into the
// thread's padded partial. The ratios and the scatter are bit for bit those of SDDMM, the ratio
// pass and SpMMᵀ in turn, without a float per non-zero kept between them or a second pass over
// X (issue 16: at a million cells that buffer was 0.8 GB of the peak).
function ratioTK(kv) {
  return `
function ratioT_${kv}(indptr: usize, indices: usize, data: usize, a: usize, b: usize, part: usize, ld: i32, ldp: i32, rem: i32, eps: f32, scratch: usize, r0: i32, r1: i32): void {
  const mask = tailMask(rem);
  const bb = b;
  const epsv = f32x4.splat(eps);
  for (let i = r0; i < r1; i++) {
    const ai = a + ((<usize>i * <usize>ld) << 2);
${loadX(kv, 'ai')}
    const q0 = load<i32>(indptr + ${P('i')});
    const qe = load<i32>(indptr + ${P('i + 1')});
    const sc = scratch - ${P('q0')};
    let q = q0;
    for (; q + 3 < qe; q += 4) {
${rowPtr('p0', 'q')}
${rowPtr('p1', 'q + 1')}
${rowPtr('p2', 'q + 2')}
${rowPtr('p3', 'q + 3')}
${dot(kv, 's0', 'p0')}
${dot(kv, 's1', 'p1')}
${dot(kv, 's2', 'p2')}
${dot(kv, 's3', 'p3')}
      v128.store(sc + ${P('q')}, f32x4.div(v128.load(data + ${P('q')}), f32x4.pmax(hsum4(s0, s1, s2, s3), epsv)));
    }
    for (; q < qe; q++) {
${rowPtr('p0', 'q')}
${dot(kv, 's0', 'p0')}
      let mv = hsum(s0);
      if (mv < eps) mv = eps;
      store<f32>(sc + ${P('q')}, load<f32>(data + ${P('q')}) / mv);
    }
    for (q = q0; q < qe; q++) {
      const p = part + ((<usize>load<i32>(indices + ${P('q')}) * <usize>ldp) << 2);
      const v = f32x4.splat(load<f32>(sc + ${P('q')}));
${lines(kv, (m) => `      v128.store(p, fma(v, x${m}, v128.load(p, ${16 * m})), ${16 * m});`)}
    }
  }
}`;
}

function lossK(kv) {
  return `
function loss_${kv}(indptr: usize, indices: usize, data: usize, a: usize, b: usize, ld: i32, rem: i32, eps: f64, r0: i32, r1: i32, res: usize): void {
  const mask = tailMask(rem);
  const bb = b;
  const epsv = f64x2.splat(eps);
  let kl0 = f64x2.splat(0), kl1 = f64x2.splat(0), klt = f64x2.splat(0);
  let cr0 = f64x2.splat(0), cr1 = f64x2.splat(0);
  let crs: f64 = 0;
  for (let i = r0; i < r1; i++) {
    const ai = a + ((<usize>i * <usize>ld) << 2);
${loadX(kv, 'ai')}
    let q = load<i32>(indptr + ${P('i')});
    const qe = load<i32>(indptr + ${P('i + 1')});
    for (; q + 3 < qe; q += 4) {
${rowPtr('p0', 'q')}
${rowPtr('p1', 'q + 1')}
${rowPtr('p2', 'q + 2')}
${rowPtr('p3', 'q + 3')}
${dot(kv, 's0', 'p0')}
${dot(kv, 's1', 'p1')}
${dot(kv, 's2', 'p2')}
${dot(kv, 's3', 'p3')}
      const mv = hsum4(s0, s1, s2, s3);
      const xv = v128.load(data + ${P('q')});
      const xlo = f64x2.promote_low_f32x4(xv);
      const mlo = f64x2.promote_low_f32x4(mv);
      const xhi = f64x2.promote_low_f32x4(f32x4.shuffle(xv, xv, 2, 3, 0, 1));
      const mhi = f64x2.promote_low_f32x4(f32x4.shuffle(mv, mv, 2, 3, 0, 1));
      cr0 = f64x2.add(cr0, f64x2.mul(xlo, mlo));
      cr1 = f64x2.add(cr1, f64x2.mul(xhi, mhi));
      kl0 = f64x2.add(kl0, xlogTerms(xlo, mlo, epsv));
      kl1 = f64x2.add(kl1, xlogTerms(xhi, mhi, epsv));
    }
    for (; q < qe; q++) {
${rowPtr('p0', 'q')}
${dot(kv, 's0', 'p0')}
      const mv = hsum(s0);
      const xv = load<f32>(data + ${P('q')});
      crs += <f64>xv * <f64>mv;
      // Lane 1 holds x = 0, which contributes nothing.
      klt = f64x2.add(klt, xlogTerms(f64x2.replace_lane(f64x2.splat(0), 0, <f64>xv), f64x2.splat(<f64>mv), epsv));
    }
  }
  const kl = f64x2.add(f64x2.add(kl0, kl1), klt);
  const cr = f64x2.add(cr0, cr1);
  store<f64>(res, f64x2.extract_lane(kl, 0) + f64x2.extract_lane(kl, 1));
  store<f64>(res, f64x2.extract_lane(cr, 0) + f64x2.extract_lane(cr, 1) + crs, 8);
}`;
}

// HALS sweep over rows with the gradient row kept in registers: g = Σ_r F[i,r]·BT[r,:] − A_i
// is computed once per row, then after each coordinate update δ the remaining entries move by
// δ·BT[t,:] (BT = Bᵀ, rows padded to kp). This avoids re-reading F_i right after a scalar store
// to it (a store-forwarding stall per coordinate). Rows go in pairs so the two dependent scalar
// chains (extract, divide, clamp, update) overlap.
function halsRow(kv, x) {
  const init = `${lines(kv, (m) => `    let g${x}${m} = f32x4.neg(v128.load(a${x}, ${16 * m}));`)}
    {
      let br = bt;
      for (let rr = 0; rr < k; rr++) {
        const s = f32x4.splat(load<f32>(f${x} + (<usize>rr << 2)));
${lines(kv, (m) => `        g${x}${m} = fma(s, v128.load(br, ${16 * m}), g${x}${m});`)}
        br += ldb;
      }
    }`;
  const step = (m, u) => {
    const t = 4 * m + u;
    const upd = r(kv - m).map((d) => `          g${x}${m + d} = fma(dv, v128.load(btt, ${16 * (m + d)}), g${x}${m + d});`).join('\n');
    return `    {
      const grad = <f64>f32x4.extract_lane(g${x}${m}, ${u});
      const ft = <f64>load<f32>(f${x}, ${4 * t});
      viol += abs<f64>(ft == 0 ? min<f64>(0, grad) : grad);
      const btt = bt + ${t} * ldb;
      const hess = <f64>load<f32>(btt, ${4 * t});
      if (hess != 0) {
        const fn = <f32>max<f64>(0, ft - grad / hess);
        store<f32>(f${x}, fn, ${4 * t});
        const d = fn - <f32>ft;
        if (d != 0) {
          const dv = f32x4.splat(d);
${upd}
        }
      }
    }`;
  };
  return { init, step };
}

function halsK(kv) {
  const A = halsRow(kv, 'A'), B = halsRow(kv, 'B');
  const steps = (rows) => {
    const out = [];
    for (let m = 0; m < kv; m++) {
      for (let u = 0; u < 4; u++) {
        const t = 4 * m + u;
        const code = rows.map((R) => R.step(m, u)).join('\n');
        out.push(m === kv - 1 && u > 0 ? `    if (${t} < k) {\n${code}\n    }` : code);
      }
    }
    return out.join('\n');
  };
  return `
function hals_${kv}(f: usize, a: usize, bt: usize, k: i32, kp: i32, r0: i32, r1: i32): f64 {
  const ldf = <usize>k << 2;
  const ldb = <usize>kp << 2;
  let viol: f64 = 0;
  let i = r0;
  for (; i + 1 < r1; i += 2) {
    const fA = f + <usize>i * ldf;
    const aA = a + <usize>i * ldf;
    const fB = fA + ldf;
    const aB = aA + ldf;
${A.init}
${B.init}
${steps([A, B])}
  }
  if (i < r1) {
    const fA = f + <usize>i * ldf;
    const aA = a + <usize>i * ldf;
${A.init}
${steps([A])}
  }
  return viol;
}`;
}

const sw = (fn, args) => `    switch (kv) {
${r(MAXKV).map((m) => `      case ${m + 1}: ${fn}_${m + 1}(${args}); break;`).join('\n')}
    }`;

const chunk = `    const kc = min(32, k - c0);
    const kv = (kc + 3) >> 2;
    const rem = kc - ((kv - 1) << 2);`;

export function generateSparse() {
  return `// GENERATED by assembly/gen-sparse.mjs — do not edit.
import { fma, tailMask, hsum, hsum4, storeTail, xlogTerms } from './common';
import { halsGeneric } from './dense';

// @ts-ignore: decorator
@inline function xlogxm(x: f32, m: f32, eps: f64): f64 {
  // x·log(x / max(m, eps)) in float64; a stored zero contributes its limit, 0.
  const xd = <f64>x;
  if (xd == 0) return 0;
  let md = <f64>m;
  if (!(md >= eps)) md = eps;
  return xd * Math.log(xd / md);
}
${r(MAXKV).map((m) => spmmK(m + 1)).join('\n')}
${r(MAXKV).map((m) => denseABK(m + 1)).join('\n')}
${r(MAXKV).map((m) => spmmTK(m + 1)).join('\n')}
${r(MAXKV).map((m) => sddmmK(m + 1)).join('\n')}
${r(MAXKV).map((m) => ratioK(m + 1)).join('\n')}
${r(MAXKV).map((m) => ratioTK(m + 1)).join('\n')}
${r(MAXKV).map((m) => lossK(m + 1)).join('\n')}
${r(MAXKV).map((m) => halsK(m + 1)).join('\n')}

/** out (rows r0..r1, k columns) = X · B for CSR X and B (cols x k). */
export function spmm(indptr: usize, indices: usize, data: usize, b: usize, out: usize, k: i32, r0: i32, r1: i32): void {
  for (let c0 = 0; c0 < k; c0 += 32) {
${chunk}
${sw('spmm', 'indptr, indices, data, b, out, k, k, c0, rem, r0, r1')}
  }
}

/** out (rows r0..r1 of n x m) = A (n x ka) · B (ka x m). */
export function denseAB(a: usize, b: usize, out: usize, ka: i32, k: i32, r0: i32, r1: i32): void {
  for (let c0 = 0; c0 < k; c0 += 32) {
${chunk}
${sw('denseAB', 'a, b, out, ka, k, c0, rem, r0, r1')}
  }
}

/**
 * part (cols x kp, kp = k rounded up to 4) = X[r0..r1]ᵀ · A[r0..r1]: one thread's partial
 * SpMMᵀ. The padded row stride lets every store be a whole vector.
 */
export function spmmTPart(indptr: usize, indices: usize, data: usize, a: usize, part: usize, k: i32, kp: i32, cols: i32, r0: i32, r1: i32): void {
  memory.fill(part, 0, (<usize>cols * <usize>kp) << 2);
  for (let c0 = 0; c0 < k; c0 += 32) {
${chunk}
${sw('spmmT', 'indptr, indices, data, a, part, k, kp, c0, r0, r1')}
  }
}

/** out[q] = ⟨A[i,:], B[j,:]⟩ for the stored entries of rows r0..r1. */
export function sddmm(indptr: usize, indices: usize, a: usize, b: usize, out: usize, k: i32, r0: i32, r1: i32): void {
  for (let c0 = 0; c0 < k; c0 += 32) {
${chunk}
${sw('sddmm', 'indptr, indices, a, b, out, k, c0, rem, c0 > 0, r0, r1')}
  }
}

/**
 * Fused Poisson numerator for rows r0..r1. For k ≤ 32 \`scratch\` holds this thread's longest
 * row (floats); wider k needs it to hold every non-zero: model values by SDDMM, ratios in
 * place, then SpMM.
 */
export function ratioSpmm(indptr: usize, indices: usize, data: usize, a: usize, b: usize, out: usize, k: i32, eps: f32, scratch: usize, r0: i32, r1: i32): void {
  if (k <= 32) {
    const kv = (k + 3) >> 2;
    const rem = k - ((kv - 1) << 2);
${sw('ratio', 'indptr, indices, data, a, b, out, k, rem, eps, scratch, r0, r1')}
    return;
  }
  sddmm(indptr, indices, a, b, scratch, k, r0, r1);
  const qe = load<i32>(indptr + ${P('r1')});
  for (let q = load<i32>(indptr + ${P('r0')}); q < qe; q++) {
    let m = load<f32>(scratch + ${P('q')});
    if (m < eps) m = eps;
    store<f32>(scratch + ${P('q')}, load<f32>(data + ${P('q')}) / m);
  }
  spmm(indptr, indices, scratch, b, out, k, r0, r1);
}

/**
 * part (cols x kp, kp = k rounded up to 4) = R[r0..r1]ᵀ · A[r0..r1] with R_ij = x_ij /
 * max(⟨A_i, B_j⟩, eps): one thread's partial of the fused Poisson numerator of the H step, for
 * k ≤ 32 (wider k composes SDDMM, the ratio pass and SpMMᵀ on the JS side). \`scratch\` holds
 * this thread's longest row (floats).
 */
export function ratioSpmmTPart(indptr: usize, indices: usize, data: usize, a: usize, b: usize, part: usize, k: i32, kp: i32, cols: i32, eps: f32, scratch: usize, r0: i32, r1: i32): void {
  memory.fill(part, 0, (<usize>cols * <usize>kp) << 2);
  const kv = (k + 3) >> 2;
  const rem = k - ((kv - 1) << 2);
${sw('ratioT', 'indptr, indices, data, a, b, part, k, kp, rem, eps, scratch, r0, r1')}
}

/** Writes [Σ x·log(x/max(m,eps)), Σ x·m] (float64) over rows r0..r1 to res. */
export function nzLoss(indptr: usize, indices: usize, data: usize, a: usize, b: usize, k: i32, eps: f64, scratch: usize, r0: i32, r1: i32, res: usize): void {
  if (k <= 32) {
    const kv = (k + 3) >> 2;
    const rem = k - ((kv - 1) << 2);
${sw('loss', 'indptr, indices, data, a, b, k, rem, eps, r0, r1, res')}
    return;
  }
  sddmm(indptr, indices, a, b, scratch, k, r0, r1);
  let kl: f64 = 0;
  let cross: f64 = 0;
  const qe = load<i32>(indptr + ${P('r1')});
  for (let q = load<i32>(indptr + ${P('r0')}); q < qe; q++) {
    const x = load<f32>(data + ${P('q')});
    const m = load<f32>(scratch + ${P('q')});
    cross += <f64>x * <f64>m;
    kl += xlogxm(x, m, eps);
  }
  store<f64>(res, kl);
  store<f64>(res, cross, 8);
}

/**
 * One HALS sweep over rows r0..r1 (see Kernels.halsSweep). \`bp\` is B and \`bt\` is Bᵀ, both
 * with rows padded with zeros to kp = k rounded up to 4. Returns the summed violation.
 */
export function halsSweep(f: usize, a: usize, bp: usize, bt: usize, k: i32, kp: i32, r0: i32, r1: i32): f64 {
  if (k > 32) return halsGeneric(f, a, bp, k, kp, r0, r1);
  const kv = kp >> 2;
  let v: f64 = 0;
  switch (kv) {
${r(MAXKV).map((m) => `    case ${m + 1}: v = hals_${m + 1}(f, a, bt, k, kp, r0, r1); break;`).join('\n')}
  }
  return v;
}
`;
}
