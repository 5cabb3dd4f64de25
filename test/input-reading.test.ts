// The reader half of issue 13 as a user meets it: `stnmf info PATH --json` on every shared data
// folder reports the orientation, shape, id join and unit its README states (or refuses naming the
// flag to add), and the four wrong-result cases of the issue that are about reading now give the
// right result or a one-line error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDataset } from '../src/io/index.js';
import { infoCommand } from '../src/cli/commands/info.js';
import { parseArgs } from '../src/cli/args.js';
import type { CommandContext } from '../src/cli/command.js';
import { StnmfError } from '../src/errors.js';
import { looksTransposed, decideOrientation } from '../src/io/orientation.js';
import { lengthUnitLabel, requireMicrons } from '../src/io/units.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const shared = (p: string) => fileURLToPath(new URL(`../../../shared/data/${p}`, import.meta.url));

interface Info {
  nObs: number;
  nVars: number;
  orientation: { orientation: string; confidence: string; reasons: string[] };
  idJoin: { method: string; reason: string };
  units: { coordinateUnit: string | null; micronsPerUnit: number | null; source: string; note: string };
  extent: { xMin: number; xMax: number; yMin: number; yMax: number } | null;
  filtered: { what: string; count: number }[];
  platform: string;
}

/** `stnmf info ARGS --json` as the user types it, in a child process. */
function spawnInfo(...args: string[]): Info {
  const r = spawnSync(process.execPath, [CLI, 'info', ...args, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Info;
}

const ctx = (out: string[]): CommandContext => ({ print: (s) => out.push(s), log: () => {}, progress: () => {}, signal: new AbortController().signal });

/**
 * The same command in this process (the machine has 2 shared cores; a node start per call would
 * cost more than the reading): flags parsed by the command's own declarations.
 */
async function info(...args: string[]): Promise<Info> {
  const out: string[] = [];
  await infoCommand.run(parseArgs('info', [...args, '--json'], infoCommand.flags), ctx(out));
  return JSON.parse(out.join('')) as Info;
}

/** Runs `stnmf info` expecting a one-line error with exit code 3; returns the message. */
async function refused(...args: string[]): Promise<string> {
  try {
    await infoCommand.run(parseArgs('info', args, infoCommand.flags), ctx([]));
  } catch (e) {
    assert.ok(e instanceof StnmfError, String(e));
    assert.equal(e.exitCode, 3, e.message);
    assert.equal(e.message.split('\n').length, 1, e.message);
    return e.message;
  }
  assert.fail(`stnmf info ${args.join(' ')} did not refuse`);
}

test('olfactory bulb counts.csv.gz (genes in rows) is read as 262 spots x 15,928 genes, not transposed', async () => {
  // Issue case 1: the file has genes in rows; the evidence (gene symbols vs ST barcodes) says so.
  const alone = await info(shared('st-mouse-olfactory-bulb/counts.csv.gz'));
  assert.deepEqual([alone.nObs, alone.nVars, alone.orientation.orientation], [262, 15928, 'var-rows']);
  assert.ok(alone.orientation.reasons.some((r) => /column names look like barcodes/.test(r)), alone.orientation.reasons.join('; '));
  // The folder as a user passes it: matrix + positions (joined on spot) + annotation.
  const dir = spawnInfo(shared('st-mouse-olfactory-bulb'));
  assert.deepEqual([dir.nObs, dir.nVars, dir.orientation.orientation, dir.idJoin.method], [262, 15928, 'var-rows', 'id']);
  // README: ST array coordinates in spot units, 200 µm centre-to-centre; x 7.9-28.0.
  assert.equal(dir.units.micronsPerUnit, 200);
  assert.equal(dir.units.source, 'st-lattice');
  assert.equal(Math.round(dir.extent!.xMin * 10) / 10, 7.9);
  assert.equal(Math.round(dir.extent!.xMax * 10) / 10, 28.0);
});

test('osmFISH: pixel coordinates without a scale make radius steps refuse; the loom states its own scale', async () => {
  // Issue case 2. The Giotto text tables carry pixels and no scale: info says so and names the flag,
  // and requireMicrons (what every radius step calls) stops with that flag.
  const m = shared('osmfish-mouse-cortex/count_matrix/osmFISH_prep_expression.txt');
  const c = shared('osmfish-mouse-cortex/cell_locations/osmFISH_prep_cell_coordinates.txt');
  const t = await info(m, '--coords', c, '--coordinate-unit', 'px');
  assert.deepEqual([t.nObs, t.nVars, t.orientation.orientation, t.idJoin.method], [5328, 33, 'var-rows', 'id']); // README: 5,328 x 33
  assert.deepEqual([t.units.coordinateUnit, t.units.micronsPerUnit], ['px', null]);
  assert.match(t.units.note, /--microns-per-unit/);
  const d = await readDataset(m, { coords: c, coordinateUnit: 'px' });
  assert.throws(() => requireMicrons(d, 'hsnmf --radius'), (e: Error) => /^hsnmf --radius works in µm, but .* are in 'px' with no known µm per unit; pass --microns-per-unit/.test(e.message) && !e.message.includes('\n'));
  assert.equal(lengthUnitLabel(d), 'px');
  const scaled = await readDataset(m, { coords: c, coordinateUnit: 'px', micronsPerUnit: 0.065 });
  assert.equal(requireMicrons(scaled, 'hsnmf --radius'), 0.065);
  assert.equal(lengthUnitLabel(scaled), 'µm');
  // The loom has per-cell areas in both µm² and pixels (size_um2, size_pix) with one constant
  // ratio 0.004225 = 0.065²: the file itself states 0.065 µm per pixel, so that scale is used.
  const loom = await info(shared('osmfish-mouse-cortex/raw_data/osmFISH_SScortex_mouse_all_cells.loom'));
  assert.deepEqual([loom.nObs, loom.nVars, loom.units.coordinateUnit, loom.units.source], [6471, 33, 'px', 'cell-areas']);
  assert.ok(Math.abs(loom.units.micronsPerUnit! - 0.065) < 1e-9);
  // The folder holds both forms: the error names each command.
  const msg = await refused(shared('osmfish-mouse-cortex'));
  assert.match(msg, /osmFISH_SScortex_mouse_all_cells\.loom.*stnmf info .*osmFISH_prep_expression\.txt --coords .*osmFISH_prep_cell_coordinates\.txt/);
});

test('pandas to_csv layout (cell_id,GeneA,... with integer ids): cell_id is the id column and positions join by id', async () => {
  // Issue case 3: what `df.to_csv()` writes for a frame with index name cell_id and integer ids,
  // with a positions table in another row order (and negative coordinates).
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-input-'));
  try {
    const genes = ['GeneA', 'GeneB', 'GeneC'];
    const counts = ['cell_id,' + genes.join(',')];
    const pos = ['cell_id,x,y'];
    for (let i = 0; i < 12; i++) counts.push([i, (i * 7) % 5, i % 3, 10 + i].join(','));
    for (let k = 0; k < 12; k++) {
      const i = (k * 5) % 12; // a permutation of 0..11
      pos.push([i, -10 * i, 0.5 * i - 3].join(','));
    }
    writeFileSync(join(dir, 'counts.csv'), counts.join('\n') + '\n');
    writeFileSync(join(dir, 'pos.csv'), pos.join('\n') + '\n');
    const o = await info(join(dir, 'counts.csv'), '--coords', join(dir, 'pos.csv'));
    assert.deepEqual([o.nObs, o.nVars, o.orientation.orientation, o.idJoin.method], [12, 3, 'obs-rows', 'id']);
    const d = await readDataset(join(dir, 'counts.csv'), { coords: join(dir, 'pos.csv') });
    assert.deepEqual(d.var.index, genes); // cell_id is not a gene
    for (let r = 0; r < 12; r++) {
      const id = Number(d.obs.index[r]);
      assert.equal(d.obsm.spatial.data[2 * r], -10 * id + 0); // each cell gets its own coordinates
      assert.equal(d.obsm.spatial.data[2 * r + 1], 0.5 * id - 3);
    }
    // Duplicate ids in the positions table are an error, not a silent last-wins join.
    writeFileSync(join(dir, 'dup.csv'), 'cell_id,x,y\n0,1,2\n0,3,4\n' + Array.from({ length: 11 }, (_, i) => `${i + 1},0,0`).join('\n') + '\n');
    assert.match(await refused(join(dir, 'counts.csv'), '--coords', join(dir, 'dup.csv')), /dup\.csv: .*duplicate name "0"/);
    // A table with no evidence either way is refused, naming --orientation; the flag decides it.
    writeFileSync(join(dir, 'plain.csv'), ',a1,a2,a3\nb1,1,2,3\nb2,4,5,6\n');
    assert.match(await refused(join(dir, 'plain.csv')), /cannot tell whether rows are observations or features .*pass --orientation obs-rows .* or --orientation var-rows/);
    assert.equal((await info(join(dir, "plain.csv"), "--orientation", "var-rows")).nObs, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('simulate multiomics --seed 0: the negative coordinate is read as a coordinate, not a negative count', async () => {
  // Issue case 4: proteins.csv is `cell_id,x,y,PROT_00,...`; x = -91.6 for one cell.
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-input-sim-'));
  try {
    const r = spawnSync(process.execPath, [CLI, 'simulate', 'multiomics', '--seed', '0', '--out', join(dir, 'sim')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const [f, nVars] of [['proteins.csv', 10], ['transcripts.csv', -1]] as const) {
      const o = f === 'proteins.csv' ? spawnInfo(join(dir, 'sim', f)) : await info(join(dir, 'sim', f));
      assert.equal(o.orientation.orientation, 'obs-rows');
      assert.equal(o.idJoin.method, 'same-table');
      assert.ok(o.extent!.xMin < -91 && o.extent!.xMin > -92, String(o.extent!.xMin));
      if (nVars > 0) assert.equal(o.nVars, nVars); // x and y are not features
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('shared folders: orientation, shape, id join and unit as the READMEs state, or a refusal naming the flag', async () => {
  // st-breast-cancer-layers: four slices, so the folder names the command; slice1 = 254 spots x
  // 7,998 genes (spots in rows), header-less positions in row order, array units of 200 µm.
  assert.match(await refused(shared('st-breast-cancer-layers')), /4 matrix tables .*stnmf info .*slice1\.csv --coords .*slice1_coor\.csv/);
  const b = await info(shared('st-breast-cancer-layers/slice1.csv'), '--coords', shared('st-breast-cancer-layers/slice1_coor.csv'));
  assert.deepEqual([b.nObs, b.nVars, b.orientation.orientation, b.idJoin.method, b.units.micronsPerUnit], [254, 7998, 'obs-rows', 'row-order', 200]);
  // seqfish: 3,585 cells x 249 genes (genes in rows, no header), positions in column order, pixels.
  const s = await info(shared('seqfish-mouse-hippocampus'), '--coordinate-unit', 'px');
  assert.deepEqual([s.nObs, s.nVars, s.orientation.orientation, s.idJoin.method, s.units.coordinateUnit, s.units.micronsPerUnit], [3585, 249, 'var-rows', 'row-order', 'px', null]);
  assert.match(s.units.note, /--microns-per-unit/);
  // merfish: 750 cells x 134 genes (genes in rows), coords by id, µm (README).
  assert.match(await refused(shared('merfish-hypothalamus-scrna-ref')), /2 matrix tables .*MerfishVignette\/counts\.csv --coords .*MerfishVignette\/coords\.csv/);
  const mf = shared('merfish-hypothalamus-scrna-ref/SpatialRNA/MerfishVignette/');
  const m = await info(mf + 'counts.csv', '--coords', mf + 'coords.csv', '--coordinate-unit', 'um');
  assert.deepEqual([m.nObs, m.nVars, m.orientation.orientation, m.idJoin.method, m.units.micronsPerUnit], [750, 134, 'var-rows', 'id', 1]);
  assert.ok(m.extent!.yMax < 0); // README: y negative
  const ref = await info(shared('merfish-hypothalamus-scrna-ref/Reference/Merfish_Ref/counts.csv'));
  assert.deepEqual([ref.nObs, ref.nVars, ref.orientation.orientation], [1308, 134, 'var-rows']);
  // visium-hippocampus: 313 spots x 276 genes, full-res pixels; the hexagonal lattice gives the scale.
  const vf = shared('visium-hippocampus-scrna-ref/SpatialRNA/VisiumVignette/');
  const v = await info(vf + 'counts.csv', '--coords', vf + 'coords.csv');
  assert.deepEqual([v.nObs, v.nVars, v.orientation.orientation, v.idJoin.method, v.units.source], [313, 276, 'var-rows', 'id', 'hex-lattice']);
  // The same 10x pixel grid as visium-mouse-brain-seurat, whose lattice and scale factors give 0.726 µm/px.
  assert.ok(Math.abs(v.units.micronsPerUnit! - 0.7264) < 0.01, String(v.units.micronsPerUnit));
  const vr = await info(shared('visium-hippocampus-scrna-ref/Reference/Visium_Ref/counts.csv'));
  assert.deepEqual([vr.nObs, vr.nVars, vr.orientation.orientation], [510, 307, 'var-rows']);
  // codex: 2,434 cells x 56 markers (+2 nuclear stains kept out), pixels without a scale.
  const cx = await info(shared('codex-crc-reg009'));
  assert.deepEqual([cx.platform, cx.nObs, cx.nVars, cx.units.coordinateUnit, cx.units.micronsPerUnit], ['codex', 2434, 56, 'px', null]);
  assert.match(cx.units.note, /--microns-per-unit/);
  assert.deepEqual(cx.filtered.map((f) => f.count), [2]);
  assert.equal((await info(shared("codex-crc-reg009"), "--all-features")).nVars, 58);
  const cxs = await info(shared('codex-crc-reg009'), '--microns-per-unit', '0.377');
  assert.deepEqual([cxs.units.micronsPerUnit, cxs.units.source], [0.377, 'flag']);
  // Visium folders: px_fullres with the 100 µm lattice scale (= 65 µm / spot_diameter_fullres).
  const vs = await info(shared('visium-mouse-brain-seurat'));
  assert.deepEqual([vs.nObs, vs.nVars, vs.units.coordinateUnit], [2695, 100, 'px_fullres']);
  assert.ok(Math.abs(vs.units.micronsPerUnit! / (65 / 89.47248494250101) - 1) < 1e-3);
  const vm = await info(shared('visium-mouse-brain-mex-spaniel'));
  assert.deepEqual([vm.nObs, vm.nVars, vm.units.coordinateUnit], [3352, 815, 'px_fullres']);
  assert.ok(Math.abs(vm.units.micronsPerUnit! / (65 / 89.52) - 1) < 1e-3);
  // Xenium: µm; CosMx: px at the reader's 0.12 µm/px.
  const x = await info(shared('xenium-mouse-brain'));
  assert.deepEqual([x.nObs, x.nVars, x.units.coordinateUnit, x.units.micronsPerUnit], [36602, 248, 'um', 1]);
  const cm = await info(shared('cosmx-lung-mini/Lung9_Rep1'));
  assert.deepEqual([cm.nObs, cm.nVars, cm.units.coordinateUnit, cm.units.micronsPerUnit], [453, 20, 'px', 0.12]);
  assert.match(await refused(shared('cosmx-lung-mini')), /2 matrix tables/);
  // bcnmf-demo: images are features x samples (README) but nothing in the file says so: refused.
  assert.match(await refused(shared('bcnmf-demo/target_images.csv')), /--orientation/);
  const bt = await info(shared('bcnmf-demo/target_images.csv'), '--orientation', 'var-rows');
  assert.deepEqual([bt.nObs, bt.nVars], [200, 784]);
});

test('orientation evidence: barcodes as genes look transposed; contradictory evidence is refused', async () => {
  const ref = ['P60HippoRep6P2_GACTTGAAATGC', 'P60HippoRep2P2_ACTGAAGAATTN', 'P60HippoRep5P3_GTCAAGGCGGGC'];
  assert.match(looksTransposed(ref) ?? '', /its 'genes' look like barcodes \(e\.g\. "P60HippoRep6P2_GACTTGAAATGC"\)/);
  assert.equal(looksTransposed(['Gad1', 'Rnd3', 'Sst']), undefined);
  const contra = decideOrientation({ rowNames: ['AAACAAGTATCTCCCA-1', 'AAACCGTTCGTCCAGG-1'], colNames: ['AATGCAACCGGGTACC-1'], nRows: 2, nCols: 1 });
  assert.equal(contra.confidence, 'contradictory');
  assert.equal(contra.orientation, undefined);
  const ens = decideOrientation({ rowNames: ['ENSMUSG00000051951', 'ENSMUSG00000089699'], colNames: ['c1', 'c2'], nRows: 2, nCols: 2 });
  assert.equal(ens.orientation, 'var-rows');
});

test('MCMICRO project folder: quantification/*.csv is read; DNA_*, Hoechst*, DAPI* stay out of X unless --all-features', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stnmf-input-mcmicro-'));
  try {
    mkdirSync(join(dir, 'quantification'));
    writeFileSync(join(dir, 'markers.csv'), 'channel_number,cycle,marker_name\n1,1,DNA_1\n2,1,CD3\n3,2,DNA_2\n4,2,DNAJB1\n5,3,DAPI_3\n6,3,Hoechst_4\n');
    writeFileSync(
      join(dir, 'quantification', 'sample--unmicst_cell.csv'),
      'CellID,DNA_1,CD3,DNA_2,DNAJB1,DAPI_3,Hoechst_4,X_centroid,Y_centroid,Area\n1,900,12.5,880,3,700,650,10.5,-4,300\n2,950,0,870,1.5,710,640,20,8,310\n',
    );
    const o = await info(dir);
    assert.equal(o.platform, 'mcmicro');
    assert.equal(o.nVars, 2); // CD3 and DNAJB1 (a protein, not a DNA stain)
    assert.deepEqual(o.filtered.map((f) => [f.what, f.count]), [['DNA_1, DNA_2, DAPI_3, Hoechst_4', 4]]);
    assert.equal((await info(dir, '--all-features')).nVars, 6);
    assert.equal(o.extent!.yMin, -4);
    writeFileSync(join(dir, 'quantification', 'sample--unmicst_nuclei.csv'), 'CellID,CD3,X_centroid,Y_centroid\n1,2,3,4\n');
    assert.match(await refused(dir), /2 quantification tables .*pass one, e\.g\. stnmf info .*sample--unmicst_cell\.csv/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
