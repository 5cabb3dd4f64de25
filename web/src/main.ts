/**
 * The stnmf viewer: a WebGL map of the tissue coloured by factor usage, measured gene, imputed
 * gene (the result's imputed layer, e.g. SIID's, when it has one; otherwise W·H computed here)
 * or cluster; hover details; lasso selection with export of the ids; a side panel with each
 * factor's top features. Data comes from `stnmf view`'s `/api/...`.
 *
 * This file only puts the parts together: the data and state (viewer.ts), the frame and scale
 * bar (frame.ts), the colouring and legend (coloring.ts), the controls and factor panel
 * (controls.ts), the selection (selection.ts), the pointer — pan, zoom, lasso, tooltip —
 * (pointer.ts).
 */
import './style.css';
import { categoryColor } from '../../src/plot/color.js';
import { benchPan } from './bench-pan.js';
import { createColoring, type Coloring } from './coloring.js';
import { createControls, factorPanel } from './controls.js';
import { createFrame } from './frame.js';
import { setupPointer } from './pointer.js';
import { createSelection } from './selection.js';
import { $, fetchBin, loadViewer, type Mode } from './viewer.js';

async function start(): Promise<void> {
  const v = await loadViewer();
  const { meta } = v;
  document.title = `${meta.name} — stnmf viewer`;
  $('title').textContent = meta.name;

  const frame = createFrame(v);
  // The controls switch the colouring, and the colouring puts the controls in step.
  let coloring: Coloring | undefined;
  const setColoring = (m: Mode, which: number | string): Promise<void> => (coloring as Coloring).set(m, which);
  const controls = createControls(v, setColoring);
  coloring = createColoring(v, controls.sync);
  factorPanel(v, setColoring);
  const selection = createSelection(v);
  setupPointer(v, selection.set, frame.fit);

  // Start: first factor; cluster codes prefetched for the tooltips.
  for (let c = 0; c < meta.clusters.length; c++) v.clusterCodes.set(c, new Int32Array(await fetchBin(`api/cluster/${c}.bin`)));
  controls.fillKeys('factor');
  frame.fit();
  await setColoring('factor', 0);
  selection.status();
  frame.draw();

  // A small API for scripted use and the browser tests.
  (window as unknown as { __stnmf: unknown }).__stnmf = {
    meta,
    setColoring,
    selectedIds: selection.ids,
    setSelection: (ids: number[]) => selection.set(Int32Array.from(ids).sort()),
    toData: (sx: number, sy: number) => v.gl.toData(sx, sy),
    toScreen: (x: number, y: number) => v.gl.toScreen(x, y),
    view: () => ({ ...v.gl.view }),
    benchPan: (frames: number) => benchPan(v, frame.draw, frames),
    colorOf: (i: number) => Array.from(v.rgba.subarray(4 * i, 4 * i + 4)),
    categoryColor,
    renderer: v.gl,
  };
  document.body.dataset.ready = 'true';
}

start().catch((e: unknown) => {
  document.body.dataset.error = String((e as Error)?.message ?? e);
  const s = document.getElementById('status');
  if (s) s.textContent = `error: ${(e as Error)?.message ?? e}`;
  console.error(e);
});
