#!/usr/bin/env node
// Makes the README figures under docs/img/ from real data (run after `npm run build`):
//   node scripts/make-figures.mjs                      # NMF (k = 8) of the Xenium mouse brain
//   node scripts/make-figures.mjs hsnmf=out/hsnmf ...  # plus the standard figures of result folders
// Each result folder NAME=DIR gives docs/img/NAME-<figure>.png (factors, top-features,
// clusters-*, composition, metrics: whatever the folder supports; see `stnmf plot`).
// With Debian's chromium and playwright-core installed, also a viewer screenshot.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const dist = (p) => join(repo, 'dist', p);
const { readTenxH5 } = await import(dist('src/io/tenx-h5.js'));
const { readCoordinates } = await import(dist('src/io/csv.js'));
const { nmf } = await import(dist('src/nmf/index.js'));
const P = await import(dist('src/plot/index.js'));
const { loadResult, startViewServer } = await import(dist('src/cli/commands/view.js'));
const { standardFigures } = await import(dist('src/cli/commands/plot.js'));

const data = join(repo, '..', 'shared', 'data', 'xenium-mouse-brain');
const outDir = join(repo, 'docs', 'img');
mkdirSync(outDir, { recursive: true });
const save = (name, scene, pixelRatio = 1.5) => {
  const png = P.sceneToPng(scene, { pixelRatio });
  writeFileSync(join(outDir, name), png);
  console.log(`docs/img/${name} (${png.length} bytes)`);
};

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
save('xenium-nmf-factors.png', P.factorGrid({ x, y, W: res.W, topFeatures: tops, columns: 4, title: 'Xenium mouse brain (36,602 cells): NMF factors, k = 8' }), 1);
save('xenium-nmf-top-genes.png', P.topFeatureHeatmap({ H, featureNames: ds.var.index, title: 'Top genes per NMF factor' }));
const dominant = new Int32Array(n);
for (let i = 0; i < n; i++) for (let f = 1; f < k; f++) if (res.W.data[i * k + f] > res.W.data[i * k + dominant[i]]) dominant[i] = f;
save('xenium-nmf-dominant.png', P.spatialScatter({ x, y, categories: { codes: dominant, names: tops.map((t, f) => `F${f + 1} ${t[0]}`) }, title: 'Dominant NMF factor per cell', colorLabel: 'factor', width: 900 }));

// 2. Result folders given on the command line.
for (const arg of process.argv.slice(2)) {
  const [name, dir] = arg.includes('=') ? arg.split('=') : [arg.replace(/\W+/g, '-'), arg];
  const r = await loadResult(dir);
  for (const f of standardFigures(r)) save(`${name}-${f.name}.png`, f.scene);
}

// 3. A viewer screenshot, when a browser is available.
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
    const r = await loadResult(tmp, { data: join(data, 'cell_feature_matrix.h5') });
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
