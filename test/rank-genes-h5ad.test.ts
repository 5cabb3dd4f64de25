/**
 * `uns['rank_genes_groups']` as scanpy lays it out, read back by Debian's anndata (issue 17 item 3):
 * names/scores/pvals/pvals_adj/logfoldchanges are record arrays whose field names are the groups
 * with scanpy's dtypes (float32 scores and fold changes, float64 p-values, strings for names),
 * pts/pts_rest genes x groups frames, params as scanpy writes them, and the values equal
 * markers.csv row for row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDataset } from '../src/dataset.js';
import { writeH5ad } from '../src/io/h5ad.js';
import { writeMarkerOutputs } from '../src/io/markers-output.js';
import { csrFromDense } from '../src/linalg/csr.js';
import { Rng } from '../src/linalg/rng.js';

const PY = '/usr/bin/python3';
const probe = spawnSync(PY, ['-c', 'import anndata'], { encoding: 'utf8' });
const skip = probe.status !== 0 ? `${PY} cannot import anndata (install Debian python3-anndata)` : undefined;

test('rank_genes_groups in result.h5ad opens in anndata with scanpy dtypes and matches markers.csv', { skip }, async () => {
  const n = 90, p = 7;
  const rng = new Rng(3);
  const dense = new Float32Array(n * p);
  const codes = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    codes[i] = i % 3;
    for (let j = 0; j < p; j++) dense[i * p + j] = rng.poisson(j === codes[i] ? 6 : 1.5);
  }
  const genes = ['Gad1', 'Slc17a7', 'Mbp', 'Aqp4', 'Pdgfra', 'Cx3cr1', 'Lamp5'];
  const ds = makeDataset(csrFromDense({ rows: n, cols: p, data: dense }), Array.from({ length: n }, (_, i) => `c${i}`), genes);
  const groups = ['Inh', 'Exc', 'Olig'];
  ds.obs.columns.set('leiden', { kind: 'category', codes: Int32Array.from(codes), categories: groups });
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-rgg-'));
  try {
    const r = (await writeMarkerOutputs(join(dir, "markers.csv"), ds, "leiden"))!;
    assert.deepEqual(r.groups, groups);
    await writeH5ad(join(dir, 'result.h5ad'), ds);
    const script = `
import sys, json, anndata, numpy as np, pandas as pd
a = anndata.read_h5ad(sys.argv[1])
u = a.uns['rank_genes_groups']
out = {'names_fields': list(u['names'].dtype.names), 'dtypes': {k: [u[k].dtype[f].kind + str(u[k].dtype[f].itemsize) for f in u[k].dtype.names] for k in ['names','scores','pvals','pvals_adj','logfoldchanges']},
       'params': {k: (v.item() if hasattr(v, 'item') else v) for k, v in u['params'].items()}, 'pts_cols': list(u['pts'].columns), 'pts_index': list(u['pts'].index)}
m = pd.read_csv(sys.argv[2], float_precision='round_trip')
bad = 0
for g in u['names'].dtype.names:
    sub = m[m.group == g].reset_index(drop=True)
    bad += int((sub.names.values != np.asarray(u['names'][g], dtype=str)).sum())
    bad += int((np.abs(sub.scores.values - u['scores'][g]) > 1e-6 * np.maximum(1, np.abs(sub.scores.values))).sum())
    bad += int((sub.pvals.values != u['pvals'][g]).sum()) + int((sub.pvals_adj.values != u['pvals_adj'][g]).sum())
    bad += int((np.abs(sub.pct_nz_group.values - u['pts'][g].loc[sub.names].values) > 0).sum())
out['mismatches'] = bad
print(json.dumps(out))
`;
    const res = spawnSync(PY, ['-c', script, join(dir, 'result.h5ad'), join(dir, 'markers.csv')], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    const o = JSON.parse(res.stdout);
    assert.deepEqual(o.names_fields, groups);
    assert.ok(o.dtypes.names.every((d: string) => d.startsWith('U') || d.startsWith('O')), `names dtype ${o.dtypes.names}`);
    assert.deepEqual(o.dtypes.scores, ['f4', 'f4', 'f4']);
    assert.deepEqual(o.dtypes.logfoldchanges, ['f4', 'f4', 'f4']);
    assert.deepEqual(o.dtypes.pvals, ['f8', 'f8', 'f8']);
    assert.deepEqual(o.dtypes.pvals_adj, ['f8', 'f8', 'f8']);
    assert.deepEqual(o.params, { groupby: 'leiden', reference: 'rest', method: 'wilcoxon', use_raw: false, corr_method: 'benjamini-hochberg', tie_correct: true });
    assert.deepEqual(o.pts_cols, groups);
    assert.deepEqual(o.pts_index, genes);
    assert.equal(o.mismatches, 0);
    // The planted marker of each group ranks first.
    const csv = readFileSync(join(dir, 'markers.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    for (let g = 0; g < 3; g++) assert.equal(csv.find((row) => row[0] === groups[g])![1], genes[g]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
