// The byte-source file systems readers go through (src/io/vfs.ts, src/io/node-vfs.ts): the
// in-memory tree answers stat/readdir/read the way the disk does for the same files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryVfs, joinPath, baseName, type Vfs } from '../src/io/vfs.js';
import { nodeVfs } from '../src/io/node-vfs.js';

const FILES: Record<string, Uint8Array> = {
  'outs/cells.csv': new TextEncoder().encode('cell_id,x\nA,1\n'),
  'outs/cell_feature_matrix/barcodes.tsv': new TextEncoder().encode('A\n'),
  'outs/empty.txt': new Uint8Array(0),
};

test('memoryVfs and nodeVfs agree on the same tree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-vfs-'));
  try {
    for (const [p, b] of Object.entries(FILES)) {
      mkdirSync(join(dir, p, '..'), { recursive: true });
      writeFileSync(join(dir, p), b);
    }
    const mem = memoryVfs(FILES);
    for (const p of ['outs', 'outs/cells.csv', 'outs/cell_feature_matrix', 'outs/empty.txt', 'outs/missing', 'nope/x']) {
      assert.deepEqual(mem.stat(p), nodeVfs.stat(join(dir, p)), p);
    }
    assert.deepEqual(mem.readdir('outs'), nodeVfs.readdir(join(dir, 'outs')));
    assert.deepEqual(mem.readdir('outs/missing'), []);
    for (const [pos, len] of [[0, 4], [3, 100], [14, 5], [100, 3]]) {
      assert.deepEqual([...mem.read('outs/cells.csv', pos, len)], [...nodeVfs.read(join(dir, 'outs/cells.csv'), pos, len)], `${pos}+${len}`);
    }
    assert.throws(() => mem.read('outs', 0, 1), /EISDIR/);
    assert.throws(() => mem.read('outs/none', 0, 1), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('memoryVfs normalises the paths it is given', () => {
  const mem = memoryVfs({ 'a//b.csv': new Uint8Array([1, 2, 3]) });
  assert.deepEqual(mem.stat('a/b.csv'), { kind: 'file', size: 3 });
  assert.deepEqual([...mem.read('a/b.csv', 1, 5)], [2, 3]);
  assert.deepEqual(mem.readdir('a'), ['b.csv']);
  const abs = memoryVfs({ '/root/x.csv': new Uint8Array([7]) });
  assert.deepEqual(abs.stat('/root'), { kind: 'folder', size: 0 });
  assert.deepEqual(abs.readdir('/root'), ['x.csv']);
  assert.deepEqual([...abs.read('/root/x.csv', 0, 1)], [7]);
});

test('path helpers', () => {
  assert.equal(joinPath('a/', '', 'b//c/'), 'a/b/c');
  assert.equal(joinPath('/', 'x'), '/x');
  assert.equal(baseName('a/b/c.csv'), 'c.csv');
  assert.equal(baseName('a/b/'), 'b');
});

test('requireRegularFile: one stat decides; a permission error is reported as such, not as an empty or missing file', async () => {
  const { requireRegularFile } = await import('../src/io/text.js');
  const denied: Vfs = { stat: () => ({ kind: 'denied', size: 0 }), readdir: () => [], read: () => { throw new Error('EACCES'); } };
  assert.throws(() => requireRegularFile('x/secret.csv', 'x/secret.csv', denied), /^StnmfError: x\/secret\.csv: permission denied$/);
  const mem = memoryVfs(FILES);
  assert.equal(requireRegularFile('outs/cells.csv', 'outs/cells.csv', mem), 14);
  assert.throws(() => requireRegularFile('outs', 'outs', mem), /outs: not a regular file \(a folder\)/);
  assert.throws(() => requireRegularFile('outs/none', '--coords none', mem), /--coords none: file not found/);
  // As root (CI containers) the disk never says EACCES, so this half runs only for other users.
  if (process.getuid?.() !== 0) {
    const dir = mkdtempSync(join(tmpdir(), 'stnmf-vfs-acc-'));
    try {
      mkdirSync(join(dir, 'locked'));
      writeFileSync(join(dir, 'locked', 'a.csv'), 'a\n');
      chmodSync(join(dir, 'locked'), 0o000);
      assert.deepEqual(nodeVfs.stat(join(dir, 'locked', 'a.csv')), { kind: 'denied', size: 0 });
      assert.throws(() => requireRegularFile(join(dir, 'locked', 'a.csv')), /permission denied/);
    } finally {
      chmodSync(join(dir, 'locked'), 0o755);
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('paths.ts join/basename/dirname give node:path.posix results (readers name files the same on disk and in a browser)', async () => {
  const P = await import('../src/io/paths.js');
  const { posix } = await import('node:path');
  const joins = [['a', 'b'], ['a/', 'b'], ['./a', 'b'], ['a/./b', '..', 'c'], ['../x/y/', 'cells.csv'], ['/abs/d', 'x'], ['a', ''], ['', ''], ['a', 'b/'], ['x', '..'], ['../..', 'a'], ['/', '..', 'a'], ['a//b', 'c'], ['.', 'outs']];
  for (const j of joins) assert.equal(P.join(...j), posix.join(...j), JSON.stringify(j));
  for (const p of ['a/b', 'a/b/', '/a', 'a', '/', '.', '..', '/a/b', 'a/b.csv.gz']) {
    assert.equal(P.basename(p), posix.basename(p), p);
    assert.equal(P.dirname(p), posix.dirname(p), p);
  }
  assert.equal(P.relativeTo('/d', '/d/sub/x.csv'), posix.relative('/d', '/d/sub/x.csv'));
});
