import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeNpy, npyToDense, npyToFloat64, parseNpy, readNpy, writeNpy, type NpyDescr } from '../src/io/npy.js';
import { openAtomic, withAtomicPath, writeFileAtomic } from '../src/io/atomic.js';
import { StnmfError } from '../src/errors.js';

const fixture = (p: string) => fileURLToPath(new URL(`../../test/fixtures/io/${p}`, import.meta.url));

/** The closed forms used by scripts/fixtures/make_npy.py. */
function expected(n: number, descr: NpyDescr): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (descr === '<f4') out.push(Math.fround((i - 3) / 7));
    else if (descr === '<f8') out.push((i - 3) / 7);
    else if (descr === '|u1') out.push(i % 256);
    else if (descr === '|b1') out.push(i % 3 === 0 ? 1 : 0);
    else out.push(i - 3);
  }
  return out;
}

const CASES: [string, number[], NpyDescr][] = [
  ['f4_3x4', [3, 4], '<f4'],
  ['f8_2x3', [2, 3], '<f8'],
  ['i4_5', [5], '<i4'],
  ['i8_2x2', [2, 2], '<i8'],
  ['u1_2x3', [2, 3], '|u1'],
  ['b1_3', [3], '|b1'],
  ['f4_0x3', [0, 3], '<f4'],
  ['f8_big_300x7', [300, 7], '<f8'],
];

test('npy: reads numpy-written files and writes them back byte for byte', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-npy-'));
  try {
    for (const [name, shape, descr] of CASES) {
      const file = fixture(`npy_${name}.npy`);
      const a = readNpy(file);
      assert.equal(a.descr, descr, name);
      assert.deepEqual(a.shape, shape, name);
      const vals = Array.from(a.data as ArrayLike<number | bigint>, Number);
      assert.deepEqual(vals, expected(vals.length, descr), name);
      const out = join(dir, `${name}.npy`);
      writeNpy(out, a);
      assert.deepEqual(readFileSync(out), readFileSync(file), `${name}: bytes differ from numpy's`);
      // 64-byte alignment of the data block.
      const hlen = readFileSync(out).readUInt16LE(8);
      assert.equal((10 + hlen) % 64, 0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npy: Fortran order and v2 headers read correctly; matrices convert to Dense / Float64', () => {
  const f = readNpy(fixture('npy_f8_2x3_fortran.npy'));
  assert.deepEqual(f.shape, [2, 3]);
  assert.deepEqual(Array.from(f.data as Float64Array), expected(6, '<f8'));
  const v2 = readNpy(fixture('npy_f4_3x4_v2.npy'));
  assert.deepEqual(Array.from(v2.data as Float32Array), expected(12, '<f4'));
  const d = npyToDense(v2);
  assert.equal(d.rows, 3);
  assert.equal(d.cols, 4);
  assert.ok(d.data instanceof Float32Array);
  const m = npyToFloat64(readNpy(fixture('npy_i8_2x2.npy')));
  assert.ok(m.data instanceof Float64Array);
  assert.deepEqual(Array.from(m.data), [-3, -2, -1, 0]);
  // Dense in, Dense out.
  const dense = { rows: 2, cols: 2, data: Float32Array.of(1, 2, 3, 4) };
  const back = npyToDense(parseNpy(encodeNpy({ shape: [2, 2], data: dense.data })));
  assert.deepEqual(Array.from(back.data), [1, 2, 3, 4]);
});

test('npy: bad input errors name the file and the field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-npy-'));
  try {
    const good = readFileSync(fixture('npy_f8_2x3.npy'));
    const cases: [string, Uint8Array, RegExp][] = [
      ['empty.npy', new Uint8Array(0), /empty\.npy: file is empty/],
      ['text.npy', Buffer.from('hello world, not numpy'), /text\.npy: not a \.npy file/],
      ['trunc.npy', good.subarray(0, good.length - 8), /trunc\.npy: data: shape \(2, 3\) needs 48 bytes, file has 40 \(truncated\)/],
      ['big.npy', Buffer.from(good.toString('latin1').replace("'<f8'", "'>f8'"), 'latin1'), /big\.npy: descr: .*found '>f8'/],
    ];
    for (const [name, bytes, re] of cases) {
      const p = join(dir, name);
      writeFileSync(p, bytes);
      assert.throws(() => readNpy(p), (e: unknown) => e instanceof StnmfError && e.code === 'BAD_FILE' && re.test(e.message));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('atomic: a failed write leaves neither a temp file nor a changed target', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-atomic-'));
  try {
    const target = join(dir, 'out.txt');
    writeFileAtomic(target, 'first');
    assert.equal(readFileSync(target, 'utf8'), 'first');
    const w = openAtomic(target);
    w.write('partial');
    // Mid-write: the target still holds the old content and the temp file is hidden beside it.
    assert.equal(readFileSync(target, 'utf8'), 'first');
    assert.equal(readdirSync(dir).length, 2);
    w.abort();
    assert.deepEqual(readdirSync(dir), ['out.txt']);
    await assert.rejects(
      withAtomicPath(target, (tmp) => {
        writeFileSync(tmp, 'half');
        throw new Error('disk full');
      }),
      (e: unknown) => e instanceof StnmfError && e.code === 'WRITE_FAILED' && /out\.txt: write failed \(disk full\)/.test(e.message),
    );
    assert.deepEqual(readdirSync(dir), ['out.txt']);
    assert.equal(readFileSync(target, 'utf8'), 'first');
    assert.throws(() => writeFileAtomic(target, 'x', { overwrite: false }), /out\.txt: file exists/);
    const big = openAtomic(join(dir, 'big.txt'));
    for (let i = 0; i < 100000; i++) big.write(`line ${i}\n`);
    big.write(new Uint8Array(3 << 20).fill(65));
    big.commit();
    const text = readFileSync(join(dir, 'big.txt'), 'latin1');
    assert.ok(text.startsWith('line 0\nline 1\n'));
    assert.equal(text.length, 1088890 + (3 << 20));
    assert.ok(!existsSync(join(dir, 'nope', 'x.txt')));
    assert.throws(() => writeFileAtomic(join(dir, 'nope', 'x.txt'), 'x'), /does not exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
