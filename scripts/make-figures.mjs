#!/usr/bin/env node
// Makes the README figures under docs/img/ from real data (run after `npm run build`):
//   node scripts/make-figures.mjs                      # NMF (k = 8) of the Xenium mouse brain
//   node scripts/make-figures.mjs hsnmf=out/hsnmf ...  # plus the standard figures of result folders
//   node scripts/make-figures.mjs --only=bcnmf         # only docs/img/bcnmf-xenium-factors.png
// Each result folder NAME=DIR gives docs/img/NAME-<figure>.png (factors, top-features,
// clusters-*, composition, metrics: whatever the folder supports; see `stnmf plot`).
// Also bcNMF of the Xenium slide's right half against its left half (docs/img/bcnmf-xenium-factors.png,
// made with the CLI: `stnmf contrastive` then `stnmf plot`), and, with Debian's chromium and
// playwright-core installed, a viewer screenshot.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const dist = (p) => join(repo, 'dist', p);
const { readTenxH5 } = await import(dist('src/io/tenx-h5.js'));
const { readCoordinates } = await import(dist('src/io/csv.js'));
const { nmf } = await import(dist('src/nmf/index.js'));
const P = await import(dist('src/plot/index.js'));
const { startViewServer } = await import(dist('src/cli/commands/view.js'));
const { readResult } = await import(dist('src/io/result.js'));
const { standardFigures } = await import(dist('src/outputs/figures.js'));
const { factorName, factorNames } = await import(dist('src/keys.js'));

const data = join(repo, '..', 'shared', 'data', 'xenium-mouse-brain');
const outDir = join(repo, 'docs', 'img');
mkdirSync(outDir, { recursive: true });
const save = (name, scene, pixelRatio = 1.5) => {
  const png = P.sceneToPng(scene, { pixelRatio });
  writeFileSync(join(outDir, name), png);
  console.log(`docs/img/${name} (${png.length} bytes)`);
};

// The bcNMF figure (methods-spec M4) on real data: the Xenium slide cut at the median x into two halves
//    of 18,301 cells; target = the right half (hippocampus and thalamus), background = the
//    left half (mostly cortex). Poisson loss, k = 8, α = 1 per sample (larger α diverges with
//    the Poisson loss on these counts), 200 sweeps, seed 0; the figure is `stnmf plot`'s factor
//    maps, each titled with its log2 target/background enrichment.
async function bcnmfFigure() {
  const { readDataset } = await import(dist('src/io/index.js'));
  const { writeH5ad } = await import(dist('src/io/h5ad.js'));
  const { selectRows } = await import(dist('src/linalg/csr.js'));
  const tmp = join(repo, 'dist', 'figures-tmp-bcnmf');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const xd = await readDataset(data);
  const sp = xd.obsm.spatial.data;
  const median = Float64Array.from({ length: xd.X.rows }, (_, i) => sp[2 * i]).sort()[xd.X.rows >> 1];
  const half = (keep) => {
    const rows = [];
    for (let i = 0; i < xd.X.rows; i++) if (keep(sp[2 * i])) rows.push(i);
    const xy = new Float64Array(2 * rows.length);
    rows.forEach((i, r) => ((xy[2 * r] = sp[2 * i]), (xy[2 * r + 1] = sp[2 * i + 1])));
    return { ...xd, X: selectRows(xd.X, rows), obs: { index: rows.map((i) => xd.obs.index[i]), columns: new Map() }, obsm: { spatial: { rows: rows.length, cols: 2, data: xy } }, varm: {}, obsp: {}, layers: {}, uns: {} };
  };
  await writeH5ad(join(tmp, 'right.h5ad'), half((v) => v >= median));
  await writeH5ad(join(tmp, 'left.h5ad'), half((v) => v < median));
  const stnmf = (...args) => {
    const r = spawnSync(process.execPath, [dist('src/cli/main.js'), ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`stnmf ${args.join(' ')}: ${r.stderr}`);
  };
  const out = join(tmp, 'bcnmf-xenium');
  stnmf('contrastive', '--target', join(tmp, 'right.h5ad'), '--background', join(tmp, 'left.h5ad'), '--rank', '8', '--alpha', '1', '--alpha-scale', 'perSample', '--loss', 'poisson', '--seed', '0', '--out', out);
  // Scale 0.7 keeps the PNG under 300 KB (36,602 dots per map compress poorly).
  stnmf('plot', out, '--scale', '0.7', '--out', join(out, 'figures'));
  copyFileSync(join(out, 'figures', 'factors.png'), join(outDir, 'bcnmf-xenium-factors.png'));
  console.log(`docs/img/bcnmf-xenium-factors.png (${statSync(join(outDir, 'bcnmf-xenium-factors.png')).size} bytes)`);
  rmSync(tmp, { recursive: true, force: true });
}


// `--only=bcnmf`: just the bcNMF figure (the others stay as they are).
if (process.argv.includes('--only=bcnmf')) {
  await bcnmfFigure();
  process.exit(0);
}

// 1. NMF of the Xenium data: log1p of counts scaled to the median total, k = 8, HALS, seed 0.
const ds = await readTenxH5(join(data, 'cell_feature_matrix.h5'));
const cells = await readCoordinates(join(data, 'cells.csv.gz'));
const pos = new Map((cells.labels ?? []).map((l, i) => [l, i]));
const n = ds.X.rows;
const x = Float64Array.from(ds.obs.index, (id) => cells.x[pos.get(id)]);
const y = Float64Array.from(ds.obs.index, (id) => cells.y[pos.get(id)]);
const totals = new Float64Array(n);
for (let i = 0; i < n; i++) for (let e = ds.X.indptr[i]; e < ds.X.indptr[i + 1]; e++) totals[i] += ds.X.data[e];
const target = Float64Array.from(totals).sort()[n >> 1];
const data2 = new Float32Array(ds.X.data.length);
for (let i = 0; i < n; i++) for (let e = ds.X.indptr[i]; e < ds.X.indptr[i + 1]; e++) data2[e] = Math.log1p((ds.X.data[e] * target) / (totals[i] || 1));
const k = 8;
const t0 = Date.now();
const res = await nmf({ ...ds.X, data: data2 }, { rank: k, maxIter: 200, seed: 0 });
console.log(`NMF k=${k}: ${res.iterations} iterations, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
const H = { rows: k, cols: ds.X.cols, data: res.H.data };
const tops = Array.from({ length: k }, (_, f) => P.topFeatureIndices(H, f, 4).map((j) => ds.var.index[j]));
// The names and quantities every figure and table of a run use (keys.ts; issue 19).
save('xenium-nmf-factors.png', P.factorGrid({ x, y, W: res.W, names: factorNames(k), quantity: 'usage (NMF of log1p counts)', unit: 'um', topFeatures: tops, columns: 4, title: 'Xenium mouse brain (36,602 cells): NMF factors, k = 8' }), 1);
save('xenium-nmf-top-genes.png', P.topFeatureHeatmap({ H, featureNames: ds.var.index, factorNames: factorNames(k), title: 'Top genes per NMF factor' }));
const dominant = new Int32Array(n);
for (let i = 0; i < n; i++) for (let f = 1; f < k; f++) if (res.W.data[i * k + f] > res.W.data[i * k + dominant[i]]) dominant[i] = f;
save('xenium-nmf-dominant.png', P.spatialScatter({ x, y, categories: { codes: dominant, names: tops.map((t, f) => `${factorName(f)} ${t[0]}`) }, title: 'Dominant NMF factor per cell', colorLabel: 'factor', width: 900 }));

// 2. Result folders given on the command line.
for (const arg of process.argv.slice(2).filter((a) => !a.startsWith('--'))) {
  const [name, dir] = arg.includes('=') ? arg.split('=') : [arg.replace(/\W+/g, '-'), arg];
  const r = await readResult(dir);
  for (const f of standardFigures(r)) save(`${name}-${f.name}.png`, f.scene);
}

// 3. bcNMF on real data (see bcnmfFigure above).
await bcnmfFigure();

// 4. A viewer screenshot, when a browser is available.
const chromium = '/usr/bin/chromium';
if (existsSync(chromium) && existsSync(dist('web/index.html'))) {
  let pw;
  try {
    pw = await import('playwright-core');
  } catch {
    console.log('playwright-core not installed: no viewer screenshot');
  }
  if (pw) {
    const tmp = join(repo, 'dist', 'figures-tmp');
    mkdirSync(tmp, { recursive: true });
    const { writeNpy } = await import(dist('src/io/npy.js'));
    writeNpy(join(tmp, 'W.npy'), res.W);
    writeNpy(join(tmp, 'H.npy'), res.H);
    writeFileSync(join(tmp, 'barcodes.tsv'), ds.obs.index.join('\n') + '\n');
    writeFileSync(join(tmp, 'genes.tsv'), ds.var.index.join('\n') + '\n');
    writeFileSync(join(tmp, 'spatial.csv'), 'cell_id,x,y\n' + ds.obs.index.map((id, i) => `${id},${x[i]},${y[i]}`).join('\n') + '\n');
    writeFileSync(join(tmp, 'clusters.csv'), 'cell_id,dominant_factor\n' + ds.obs.index.map((id, i) => `${id},F${dominant[i] + 1}`).join('\n') + '\n');
    const r = await readResult(tmp, { data: join(data, 'cell_feature_matrix.h5') });
    r.name = 'Xenium mouse brain — NMF k = 8';
    const srv = await startViewServer(r, 0);
    const browser = await pw.chromium.launch({
      executablePath: chromium,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
      await page.goto(srv.url);
      await page.waitForFunction("document.body.dataset.ready === 'true'", null, { timeout: 60000 });
      await page.evaluate('window.__stnmf.setColoring("factor", 2)');
      await page.evaluate('new Promise(requestAnimationFrame)');
      writeFileSync(join(outDir, 'viewer.png'), await page.screenshot());
      console.log('docs/img/viewer.png');
    } finally {
      await browser.close();
      await srv.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}
