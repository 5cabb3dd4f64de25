// The API reference (`npm run docs`, TypeDoc over every package subpath) builds without a
// warning, and typedoc.json makes an undocumented exported function or class a warning: so this
// test fails when a public function lacks its TSDoc or a doc comment links to nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

test('api docs: TypeDoc builds every subpath with no undocumented function and no broken link', () => {
  const out = mkdtempSync(join(tmpdir(), 'stnmf-api-'));
  try {
    const r = spawnSync(process.execPath, ['node_modules/typedoc/bin/typedoc', '--out', out, '--logLevel', 'Warn'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `typedoc failed:\n${r.stdout}\n${r.stderr}`);
    const modules = ['index', 'spatial', 'graph', 'metrics', 'methods', 'simulate', 'plot', 'io_entry'];
    for (const m of modules) assert.ok(existsSync(join(out, 'modules', `${m}.html`)), `no page for module ${m}`);
    // The functions a user looks up first have pages that carry their doc comment.
    for (const [mod, fn, phrase] of [['io_entry', 'readDataset', 'Reads any supported path'], ['index', 'nmf', ''], ['methods', 'hsnmf', '']] as const) {
      const page = join(out, 'functions', `${mod}.${fn}.html`);
      assert.ok(existsSync(page), `no page for ${mod}.${fn}`);
      if (phrase) assert.ok(readFileSync(page, 'utf8').includes(phrase), `${fn}'s page lacks its doc comment`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
