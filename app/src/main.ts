/**
 * The stnmf app page: takes a dropped or picked dataset, shows what the readers found (the
 * `stnmf info` summary), runs NMF or hSNMF in a Web Worker (worker.ts) with a progress bar and
 * a Cancel that terminates the worker, draws the result on the tissue with the viewer's WebGL
 * renderer (web/src/scatter.ts) and offers the result files for download, with the CLI line
 * that reproduces the run. The form is generated from the CLI's flag declarations
 * (`__CLI_FLAGS__`, injected by scripts/build-app.mjs), so defaults and checks are the CLI's.
 */
import { factorName } from '../../src/keys.js';
import './style.css';
import { categoryColor, parseHex, valueRange, viridisTable } from '../../src/plot/color.js';
import { ScatterGL } from '../../web/src/scatter.js';
import { GridIndex } from '../../web/src/spatial-index.js';
import { drawLassoPath } from '../../web/src/lasso.js';
import { factorCard } from '../../web/src/factor-card.js';
import { lengthUnit, screenScaleBar, type LengthUnit } from '../../src/plot/units.js';
import { neededBytes, WASM_LIMIT } from './limits.js';
import type { DroppedFile, Flags, FromWorker, MemoryReport, Method, OutputFile, RunFigure, ToWorker } from './protocol.js';

interface FlagDecl {
  name: string;
  type: 'string' | 'number' | 'int' | 'boolean';
  help: string;
  default?: string | number | boolean;
  choices?: string[];
  min?: number;
  max?: number;
  exclusiveMin?: number;
  required?: boolean;
}
declare const __CLI_FLAGS__: { nmf: FlagDecl[]; hsnmf: FlagDecl[]; contrastive: FlagDecl[]; siid: FlagDecl[]; input: FlagDecl[] };
const CLI_FLAGS = __CLI_FLAGS__;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const isolated = globalThis.crossOriginIsolated === true;
const cores = navigator.hardwareConcurrency || 1;
// `?wasm-limit-mib=N` lowers the memory limit the runs are checked against (the browser test
// uses it to see the refusal; the real limit is WebAssembly's 4 GiB).
const limitParam = Number(new URLSearchParams(location.search).get('wasm-limit-mib'));
const limitBytes = limitParam > 0 ? limitParam * 1048576 : WASM_LIMIT;

type State = 'empty' | 'loading' | 'ready' | 'running' | 'done' | 'cancelled' | 'error';
const setState = (s: State): void => {
  document.body.dataset.state = s;
};

// ---- the form, from the CLI's declarations -----------------------------------------------

/** Flags shown first; the others go under "more options" (all keep the CLI's defaults). */
const MAIN_FLAGS = new Set(['loss', 'rank', 'max-iter', 'restarts', 'seed', 'threads', 'mode', 'alpha', 'resolution', 'contact-radius', 'context-radius', 'target-where', 'background-where', 'holdout-folds', 'mapping-distance']);

function buildForm(container: HTMLElement, decls: FlagDecl[], prefix: string, split = true): void {
  const more = document.createElement('details');
  more.innerHTML = '<summary>more options</summary><div class="form"></div>';
  const moreGrid = more.querySelector('.form') as HTMLElement;
  for (const d of decls) {
    const target = !split || MAIN_FLAGS.has(d.name) ? container : moreGrid;
    const id = `${prefix}-${d.name}`;
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = `--${d.name}`;
    label.title = d.help;
    let input: HTMLInputElement | HTMLSelectElement;
    if (d.choices) {
      const sel = document.createElement('select');
      if (d.default === undefined) sel.add(new Option('(default)', ''));
      for (const c of d.choices) sel.add(new Option(c, c));
      sel.value = d.default === undefined ? '' : String(d.default);
      input = sel;
    } else if (d.type === 'boolean') {
      const i = document.createElement('input');
      i.type = 'checkbox';
      i.checked = d.default === true;
      input = i;
    } else {
      const i = document.createElement('input');
      i.type = d.type === 'string' ? 'text' : 'number';
      if (d.type === 'int') i.step = '1';
      else if (d.type === 'number') i.step = 'any';
      if (d.min !== undefined) i.min = String(d.min);
      if (d.max !== undefined) i.max = String(d.max);
      // The CLI requires --rank for nmf; the form suggests hSNMF's default of 10.
      i.value = d.default !== undefined ? String(d.default) : d.name === 'rank' ? '10' : '';
      if (d.name === 'threads') i.placeholder = `all cores (${isolated ? cores : 1})`;
      else if (d.name.endsWith('-where')) i.placeholder = d.name === 'target-where' ? `e.g. region == "tumour"` : `e.g. region == "normal"`;
      else if (d.required && i.value === '') i.placeholder = 'required';
      input = i;
    }
    input.id = id;
    input.name = d.name;
    input.title = d.help;
    target.append(label, input);
  }
  if (moreGrid.childElementCount > 0) container.append(more);
}

/** The flag values of a form; '' means "not given" (the CLI default applies). */
function readForm(decls: FlagDecl[], prefix: string): Flags {
  const out: Flags = {};
  for (const d of decls) {
    const el = $<HTMLInputElement>(`${prefix}-${d.name}`);
    if (d.type === 'boolean') {
      out[d.name] = el.checked;
      continue;
    }
    const v = el.value.trim();
    if (v === '' && d.required) throw new Error(`--${d.name} is required`);
    if (v === '') continue;
    if (d.type === 'string') {
      out[d.name] = v;
      continue;
    }
    const x = Number(v);
    if (!Number.isFinite(x) || (d.type === 'int' && !Number.isInteger(x))) throw new Error(`--${d.name} needs ${d.type === 'int' ? 'a whole number' : 'a number'}, got '${v}'`);
    if (d.min !== undefined && x < d.min) throw new Error(`--${d.name} must be ≥ ${d.min}, got ${x}`);
    if (d.max !== undefined && x > d.max) throw new Error(`--${d.name} must be ≤ ${d.max}, got ${x}`);
    if (d.exclusiveMin !== undefined && !(x > d.exclusiveMin)) throw new Error(`--${d.name} must be > ${d.exclusiveMin}, got ${x}`);
    out[d.name] = x;
  }
  return out;
}

/** Quotes a word for a POSIX shell when it needs it. */
function sh(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The CLI line that reproduces a run: every flag the form set that differs from the CLI
 * default, plus `--threads` (results depend on the thread count) and `--seed`.
 */
function cliCommand(method: Method, input: string, flags: Flags, inputFlags: Flags): string {
  // bcNMF splits one input by --target-where/--background-where: it is given as --input.
  // SIID has two inputs: the loaded one is --cells (its selection flags --cells-…), the spots --spots.
  const parts =
    method === 'contrastive' ? ['stnmf', method, '--input', sh(input)] : method === 'siid' ? ['stnmf', method, '--cells', sh(input), '--spots', sh(spots?.name ?? 'spots')] : ['stnmf', method, sh(input)];
  const inputPrefix = method === 'siid' ? 'cells-' : '';
  for (const [decls, values, prefix] of [[CLI_FLAGS[method], flags, ''], [CLI_FLAGS.input, inputFlags, inputPrefix]] as const) {
    for (const d of decls) {
      const v = values[d.name];
      if (v === undefined || v === false) continue;
      if (v === d.default && d.name !== 'seed' && d.name !== 'rank') continue;
      parts.push(`--${prefix}${d.name}`);
      if (v !== true) parts.push(sh(String(v)));
    }
  }
  parts.push('--out', `${method}-out`);
  return parts.join(' ');
}

// ---- files ---------------------------------------------------------------------------------

let files: DroppedFile[] = [];
let inputName = '';
/** For loose files read as one folder: what the CLI line's `input` folder must hold. */
let inputNote: string | undefined;

/** The input path the readers see: the dropped folder's name, the file's name, or a folder of loose files. */
function setFiles(list: DroppedFile[]): void {
  if (list.length === 0) return;
  ({ name: inputName, note: inputNote, files } = asInput(list, 'input'));
  inspect();
}

/**
 * What the readers and the CLI line call a dropped set of files: the file's name, the dropped
 * folder's name, or for loose files (a matrix + a coordinates table) a folder `folder` holding them.
 */
function asInput(list: DroppedFile[], folder: string): { name: string; note: string | undefined; files: DroppedFile[] } {
  const tops = new Set(list.map((f) => f.path.split('/')[0]));
  if (list.length === 1 && !list[0].path.includes('/')) return { name: list[0].path, note: undefined, files: list };
  if (tops.size === 1 && list.every((f) => f.path.includes('/'))) return { name: [...tops][0], note: undefined, files: list };
  return {
    name: folder,
    note: `'${folder}' is a folder holding the dropped files (${list.map((f) => f.path).join(', ')})`,
    files: list.map((f) => ({ path: `${folder}/${f.path}`, blob: f.blob })),
  };
}

/** SIID's spot slide: a second input, picked when SIID is the method. */
let spots: { name: string; note: string | undefined; files: DroppedFile[] } | undefined;
function setSpots(list: DroppedFile[]): void {
  if (list.length === 0) return;
  spots = asInput(list, 'spots');
  const mb = (spots.files.reduce((s, f) => s + f.blob.size, 0) / 1048576).toFixed(1);
  $('spots-name').textContent = `${spots.name} (${spots.files.length} file${spots.files.length === 1 ? '' : 's'}, ${mb} MiB)`;
}

async function entryFiles(entry: FileSystemEntry, prefix: string, out: DroppedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail));
    out.push({ path: prefix + entry.name, blob: file });
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries returns batches (100 in Chromium) until an empty one.
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
      if (batch.length === 0) break;
      for (const e of batch) await entryFiles(e, `${prefix}${entry.name}/`, out);
    }
  }
}

// ---- the worker ------------------------------------------------------------------------------

let worker: Worker | undefined;
const newWorker = (): Worker => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });

function showMessage(text: string | undefined): void {
  const el = $('message');
  el.hidden = !text;
  el.textContent = text ?? '';
}

const mib = (b: number): string => `${(b / 1048576).toFixed(b < 10 * 1048576 ? 1 : 0)} MiB`;
function showMemory(m: MemoryReport | undefined): void {
  const heap = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize;
  const parts: string[] = [];
  if (m) parts.push(`data in the worker ${mib(m.dataset)}`);
  if (m && m.wasm > 0) parts.push(`wasm memory ${mib(m.wasm)} of ${mib(limitBytes)}`);
  if (!m?.wasm && loaded) {
    const method = $<HTMLSelectElement>('method').value as Method;
    const k = Number($<HTMLInputElement>(`${method}-rank`).value) || 10;
    parts.push(`a ${method} run at k = ${k} needs ≈ ${mib(neededBytes(method, loaded.n, loaded.p, loaded.nnz, k))} of ${mib(limitBytes)} wasm memory`);
  }
  if (heap !== undefined) parts.push(`page heap ${mib(heap)}`);
  $('memory').textContent = parts.length ? `Memory: ${parts.join(' · ')}` : '';
}

let inspectWorker: Worker | undefined;
function inspect(): void {
  inspectWorker?.terminate();
  // A gene asked of the previous data is moot; an error from here on is the new read's.
  pendingGene = undefined;
  setState('loading');
  showMessage(undefined);
  $('info').textContent = `Reading ${inputName} (${files.length} file${files.length === 1 ? '' : 's'}, ${mib(files.reduce((s, f) => s + f.blob.size, 0))})…`;
  $<HTMLButtonElement>('run').disabled = true;
  let inputFlags: Flags;
  try {
    inputFlags = readForm(CLI_FLAGS.input, 'in');
  } catch (e) {
    return fail((e as Error).message);
  }
  const w = newWorker();
  inspectWorker = w;
  w.onmessage = (e: MessageEvent<FromWorker>) => {
    const m = e.data;
    if (m.type === 'info') {
      // The worker stays: it holds the Dataset the map can be coloured by (gene values).
      showInfo(m);
      setState('ready');
      $<HTMLButtonElement>('run').disabled = false;
    } else if (m.type === 'gene') {
      if (m.name === pendingGene) paintValues(m.values, `${m.name} (counts)`, 'gene');
    } else if (m.type === 'error') {
      if (document.body.dataset.loaded === 'true' && pendingGene !== undefined) return showMessage(m.message);
      w.terminate();
      fail(m.message);
    }
  };
  w.onerror = (e) => fail(e.message);
  w.postMessage({ type: 'inspect', files, input: inputName, flags: inputFlags } satisfies ToWorker);
}

function fail(message: string): void {
  setState('error');
  showMessage(message);
  $('progress-text').textContent = `error: ${message}`;
  $<HTMLButtonElement>('cancel').disabled = true;
  $<HTMLButtonElement>('run').disabled = files.length === 0;
  if (document.body.dataset.loaded !== 'true') $('info').textContent = '';
}

// ---- info and map ---------------------------------------------------------------------------

let loaded: Extract<FromWorker, { type: 'info' }> | undefined;
let scatter: ScatterGL | undefined;

function row(table: HTMLTableElement, k: string, v: string): void {
  const tr = table.insertRow();
  tr.insertCell().textContent = k;
  tr.insertCell().textContent = v;
}

function showInfo(m: Extract<FromWorker, { type: 'info' }>): void {
  loaded = m;
  document.body.dataset.loaded = 'true';
  type MinMedMax = { min: number; median: number; max: number };
  const info = m.info as {
    platform: string; detected: string; nObs: number; nVars: number; featureTypes: Record<string, number>; coordinateUnit: string | null;
    extent: { xMin: number; xMax: number; yMin: number; yMax: number } | null; micronsPerUnit: number | null;
    qc: { countsPerObs: MinMedMax; featuresPerObs: MinMedMax; zeroCountObs: number; zeroCountVars: number; pctControl?: MinMedMax & { sources: string[] } };
    filtered: { count: number; axis: string; what: string; why: string }[];
  };
  const num = (v: number): string => (Number.isInteger(v) ? v.toLocaleString('en-US') : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4));
  const mmm = (q: MinMedMax): string => `min ${num(q.min)}, median ${num(q.median)}, max ${num(q.max)}`;
  const t = document.createElement('table');
  row(t, 'input', inputName);
  row(t, 'platform', `${info.platform} (${info.detected})`);
  row(t, 'shape', `${num(info.nObs)} observations x ${num(info.nVars)} features`);
  row(t, 'feature types', Object.entries(info.featureTypes).map(([k, v]) => `${k} ${num(v)}`).join(', '));
  row(t, 'non-zeros', `${num(m.nnz)} (${((100 * m.nnz) / Math.max(1, m.n * m.p)).toFixed(1)} %)`);
  if (info.extent) {
    const e = info.extent;
    const scale = info.micronsPerUnit !== null && info.coordinateUnit !== 'um' ? ` (1 ${info.coordinateUnit} = ${num(info.micronsPerUnit)} µm)` : '';
    row(t, 'coordinates', `${info.coordinateUnit === 'um' ? 'µm' : info.coordinateUnit}; x ${num(e.xMin)} to ${num(e.xMax)}, y ${num(e.yMin)} to ${num(e.yMax)}${scale}`);
  } else row(t, 'coordinates', 'none');
  row(t, 'counts/obs', `${mmm(info.qc.countsPerObs)}; ${num(info.qc.zeroCountObs)} with no counts`);
  row(t, 'features/obs', `${mmm(info.qc.featuresPerObs)}; ${num(info.qc.zeroCountVars)} features never detected`);
  if (info.qc.pctControl) row(t, 'control %', `${mmm(info.qc.pctControl)} (${info.qc.pctControl.sources.join(' + ')})`);
  row(t, 'read in', `${m.seconds.toFixed(1)} s`);
  $('info').replaceChildren(t);
  // What the reader kept out of X (control probes, blank codewords): folded, it is long.
  if (info.filtered?.length) {
    const d = document.createElement('details');
    const sum = document.createElement('summary');
    sum.textContent = `kept out of X: ${info.filtered.map((f) => `${num(f.count)} ${f.what}`).join(', ')}`;
    d.append(sum);
    for (const f of info.filtered) {
      const p = document.createElement('div');
      p.textContent = `${num(f.count)} ${f.axis} (${f.what}): ${f.why}`;
      d.append(p);
    }
    $('info').append(d);
  }
  showMemory(m.memory);
  if (m.coords) {
    $('placeholder').hidden = true;
    const canvas = $<HTMLCanvasElement>('gl');
    // A new canvas per dataset: a WebGL context keeps its buffers.
    const fresh = canvas.cloneNode() as HTMLCanvasElement;
    canvas.replaceWith(fresh);
    const c = m.coords;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (let i = 0; i < m.n; i++) {
      x0 = Math.min(x0, c[2 * i]);
      x1 = Math.max(x1, c[2 * i]);
      y0 = Math.min(y0, c[2 * i + 1]);
      y1 = Math.max(y1, c[2 * i + 1]);
    }
    scatter = new ScatterGL(fresh, c, 0.5 * Math.sqrt(((x1 - x0) * (y1 - y0)) / Math.max(1, m.n)));
    bounds = [x0, y0, x1, y1];
    lassoIndex = new GridIndex(c);
    lassoPath = [];
    lassoSelection = new Int32Array(0);
    showLassoState();
    // The map is drawn in the coordinates as read: its ruler in their true unit (µm when the
    // pixel size is known, else px or "units"), as the viewer and the figures label lengths.
    ruler = lengthUnit(info.coordinateUnit ?? undefined, info.micronsPerUnit ?? undefined);
    $('scalebar').hidden = false;
    attachPanZoom(fresh);
    const grey = new Uint8Array(4 * m.n).fill(170);
    for (let i = 0; i < m.n; i++) grey[4 * i + 3] = 255;
    scatter.setColors(grey);
    // Colour by a gene is offered as soon as the map is up (no run needed).
    const list = $('genes');
    list.replaceChildren(...m.varNames.map((g) => new Option(g)));
    $<HTMLInputElement>('gene').value = '';
    $('colorby').hidden = false;
    // Factors and domains join the choice once a run has made them.
    ($('color').parentElement as HTMLElement).hidden = true;
    $('gene-label').textContent = 'Colour by gene';
    fit();
  } else {
    $('scalebar').hidden = true;
    $('placeholder').hidden = false;
    $('placeholder').textContent = 'This dataset has no spatial coordinates: results are offered as downloads only.';
  }
}

let bounds: [number, number, number, number] = [0, 0, 1, 1];
let ruler: LengthUnit = lengthUnit(undefined);
let frameRequested = false;
function requestDraw(): void {
  if (frameRequested || !scatter) return;
  frameRequested = true;
  requestAnimationFrame(() => {
    frameRequested = false;
    if (!scatter) return;
    scatter.resize();
    scatter.draw();
    const bar = screenScaleBar(scatter.view.zoom, ruler);
    $('scalebar-bar').style.width = `${bar.pixels}px`;
    $('scalebar-label').textContent = bar.label;
    drawLasso();
  });
}

// ---- lasso: a selection of cells (bcNMF's target) -------------------------------------------

let lassoMode = false;
/** The lasso polygon in data coordinates (x, y pairs), [] for none. */
let lassoPath: number[] = [];
/** Indices of the observations inside the lasso (into the inspected Dataset's rows). */
let lassoSelection: Int32Array = new Int32Array(0);
let lassoIndex: GridIndex | undefined;

function drawLasso(): void {
  const screen: number[] = [];
  if (scatter) for (let q = 0; q < lassoPath.length; q += 2) screen.push(...scatter.toScreen(lassoPath[q], lassoPath[q + 1]));
  drawLassoPath($<HTMLCanvasElement>('overlay'), screen);
}

function finishLasso(): void {
  lassoSelection = lassoIndex && lassoPath.length >= 6 ? lassoIndex.inPolygon(lassoPath) : new Int32Array(0);
  if (lassoSelection.length === 0) lassoPath = [];
  showLassoState();
  requestDraw();
}

function showLassoState(): void {
  const n = lassoSelection.length;
  $('lasso-state').textContent = n ? `${n.toLocaleString('en-US')} cells selected` : '';
  $('lasso-clear').hidden = n === 0;
  const use = $<HTMLInputElement>('contrastive-lasso');
  use.disabled = n === 0;
  if (n === 0) use.checked = false;
  useLassoChanged();
}

/** With the lasso as target, the two where fields do not apply: greyed out. */
function useLassoChanged(): void {
  const on = $<HTMLInputElement>('contrastive-lasso').checked;
  for (const id of ['contrastive-target-where', 'contrastive-background-where']) $<HTMLInputElement>(id).disabled = on;
}

function fit(): void {
  if (!scatter) return;
  scatter.resize();
  const cv = scatter.canvas;
  const [x0, y0, x1, y1] = bounds;
  const dx = Math.max(1e-9, x1 - x0), dy = Math.max(1e-9, y1 - y0);
  const W = cv.clientWidth, H = cv.clientHeight;
  // The legend sits at the top right and the scale bar at the bottom left: the tissue goes left
  // of the legend or below it, whichever draws it larger (a tall legend beside a wide section
  // would otherwise shrink the tissue to a strip), and above the scale bar.
  const legend = $('legend'), bar = $('scalebar');
  const lw = legend.hidden ? 0 : legend.offsetWidth + 20;
  const lh = legend.hidden ? 0 : legend.offsetTop + legend.offsetHeight + 10;
  const sb = bar.hidden ? 0 : Math.max(0, H - bar.offsetTop) + 6;
  const fitInto = (l: number, t: number, r: number, b: number) => {
    const zoom = 0.95 * Math.min(Math.max(100, r - l) / dx, Math.max(100, b - t) / dy);
    // The data centre goes to the rectangle's centre (screen y grows with data y: scatter.toScreen).
    return { cx: (x0 + x1) / 2 - ((l + r) / 2 - W / 2) / zoom, cy: (y0 + y1) / 2 - ((t + b) / 2 - H / 2) / zoom, zoom };
  };
  const beside = fitInto(0, 0, W - lw, H - sb);
  const below = fitInto(0, lh, W, H - sb);
  scatter.view = beside.zoom >= below.zoom ? beside : below;
  requestDraw();
}

function attachPanZoom(canvas: HTMLCanvasElement): void {
  let drag: { kind: 'pan' | 'lasso'; sx: number; sy: number; cx: number; cy: number } | undefined;
  canvas.addEventListener('pointerdown', (e) => {
    if (!scatter) return;
    canvas.setPointerCapture(e.pointerId);
    const kind = lassoMode || e.shiftKey ? 'lasso' : 'pan';
    drag = { kind, sx: e.offsetX, sy: e.offsetY, cx: scatter.view.cx, cy: scatter.view.cy };
    // A new lasso replaces the old one; its points are kept in data coordinates.
    if (kind === 'lasso') lassoPath = [...scatter.toData(e.offsetX, e.offsetY)];
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drag || !scatter) return;
    if (drag.kind === 'lasso') lassoPath.push(...scatter.toData(e.offsetX, e.offsetY));
    else {
      scatter.view.cx = drag.cx - (e.offsetX - drag.sx) / scatter.view.zoom;
      scatter.view.cy = drag.cy - (e.offsetY - drag.sy) / scatter.view.zoom;
    }
    requestDraw();
  });
  const end = (): void => {
    if (drag?.kind === 'lasso') finishLasso();
    drag = undefined;
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  canvas.addEventListener('wheel', (e) => {
    if (!scatter) return;
    e.preventDefault();
    const [dx, dy] = scatter.toData(e.offsetX, e.offsetY);
    const f = Math.exp(-e.deltaY * 0.0015);
    scatter.view.zoom *= f;
    // Keep the point under the cursor in place.
    scatter.view.cx = dx - (dx - scatter.view.cx) / f;
    scatter.view.cy = dy - (dy - scatter.view.cy) / f;
    requestDraw();
  }, { passive: false });
  canvas.addEventListener('dblclick', fit);
}

// ---- runs ------------------------------------------------------------------------------------

let result: Extract<FromWorker, { type: 'result' }> | undefined;
let runStart = 0;

function run(): void {
  const method = $<HTMLSelectElement>('method').value as Method;
  let flags: Flags, inputFlags: Flags;
  try {
    flags = readForm(CLI_FLAGS[method], method);
    inputFlags = readForm(CLI_FLAGS.input, 'in');
  } catch (e) {
    return fail((e as Error).message);
  }
  // Without cross-origin isolation there is no SharedArrayBuffer: the kernels run on one thread,
  // and the reproducing CLI line says so.
  if (!isolated) flags.threads = 1;
  else if (flags.threads === undefined) flags.threads = cores;
  // bcNMF with the lasso as target: the split is an obs column the app writes (lasso.csv), so
  // the CLI line reads it with --obs-meta and splits on it.
  const lasso = method === 'contrastive' && $<HTMLInputElement>('contrastive-lasso').checked ? lassoSelection.slice() : undefined;
  if (lasso) {
    flags['target-where'] = 'lasso == "selected"';
    flags['background-where'] = 'lasso == "other"';
  }
  if (method === 'siid' && !spots) return fail('SIID needs a spot slide too: choose its folder or file under "Spots"');
  let command = cliCommand(method, inputName, flags, inputFlags);
  if (lasso) command = command.replace(' --out ', ' --obs-meta lasso.csv --out ');
  if (loaded) {
    const need = neededBytes(method, loaded.n, loaded.p, loaded.nnz, Number(flags.rank ?? 10));
    if (need > limitBytes) {
      return fail(`this run needs about ${(need / 1048576).toFixed(0)} MiB, beyond the browser's ${(limitBytes / 1048576).toFixed(0)} MiB of WebAssembly memory; run it with the CLI instead: ${command}`);
    }
  }
  $('command').innerHTML = 'Reproduce with the CLI: <code></code>';
  ($('command').querySelector('code') as HTMLElement).textContent = command;
  if (inputNote) $('command').append(` (${inputNote})`);
  showMessage(undefined);
  $('downloads').textContent = '';
  $('figures').textContent = '';
  $('summary').textContent = '';
  setState('running');
  $<HTMLButtonElement>('run').disabled = true;
  $<HTMLButtonElement>('cancel').disabled = false;
  const bar = $<HTMLProgressElement>('progress');
  bar.value = 0;
  runStart = performance.now();
  const w = newWorker();
  worker = w;
  w.onmessage = (e: MessageEvent<FromWorker>) => {
    if (worker !== w) return;
    const m = e.data;
    if (m.type === 'progress') {
      bar.value = m.fraction;
      const eta = m.fraction > 0.01 && m.fraction < 1 ? ` · ETA ${((m.elapsed * (1 - m.fraction)) / m.fraction).toFixed(0)} s` : '';
      $('progress-text').textContent = `${m.stage}: ${m.done}/${m.total}${m.detail ? ` (${m.detail})` : ''} · ${m.elapsed.toFixed(1)} s elapsed${eta}`;
      if (m.memory) showMemory(m.memory);
    } else if (m.type === 'result') {
      w.terminate();
      worker = undefined;
      bar.value = 1;
      $('progress-text').textContent = `done in ${((performance.now() - runStart) / 1000).toFixed(1)} s (${m.method} ${m.seconds.toFixed(2)} s on ${m.threads} thread${m.threads === 1 ? '' : 's'}, ${m.backend})`;
      showMemory(m.memory);
      showResult(m);
      setState('done');
      $<HTMLButtonElement>('run').disabled = false;
      $<HTMLButtonElement>('cancel').disabled = true;
    } else if (m.type === 'error') {
      w.terminate();
      worker = undefined;
      fail(m.message);
    }
  };
  w.onerror = (e) => {
    if (worker === w) fail(e.message || 'the worker failed');
  };
  w.postMessage({ type: 'run', files, input: inputName, method, flags: { ...inputFlags, ...flags }, command, commandNote: [inputNote, method === 'siid' ? spots?.note : undefined].filter(Boolean).join('; ') || undefined, limitBytes, lasso, spots: method === 'siid' ? { files: spots!.files, input: spots!.name } : undefined } satisfies ToWorker);
}

function cancel(): void {
  if (!worker) return;
  // terminate() stops the worker at once, wherever it is in a kernel, and its pool workers with it.
  worker.terminate();
  worker = undefined;
  setState('cancelled');
  $('progress-text').textContent = `cancelled after ${((performance.now() - runStart) / 1000).toFixed(1)} s`;
  $<HTMLButtonElement>('run').disabled = false;
  $<HTMLButtonElement>('cancel').disabled = true;
}

// ---- results ---------------------------------------------------------------------------------

const lut = viridisTable();

/** The gene whose values were last asked of the data worker (answers for others are stale). */
let pendingGene: string | undefined;
/** The values the map shows, for the browser test. */
let shownValues: Float32Array | undefined;

/** Colours the map by a gene's values in the loaded data (asked of the data worker). */
function colorByGene(name: string): void {
  if (!loaded || !inspectWorker) return;
  if (!loaded.varNames.includes(name)) return showMessage(`no feature named '${name}' in ${inputName}`);
  showMessage(undefined);
  pendingGene = name;
  inspectWorker.postMessage({ type: 'gene', name } satisfies ToWorker);
}

/** Colours the map by one value per observation: viridis from 0 to the 99th percentile. */
function paintValues(v: Float32Array, title: string, which: string): void {
  if (!scatter || !loaded) return;
  const n = loaded.n;
  const rgba = new Uint8Array(4 * n);
  const hi = valueRange(v)[1] || 1;
  for (let i = 0; i < n; i++) {
    const t = Math.round(Math.max(0, Math.min(1, v[i] / hi)) * 255);
    rgba.set([lut[4 * t], lut[4 * t + 1], lut[4 * t + 2], 255], 4 * i);
  }
  const legend = $('legend');
  legend.hidden = false;
  legend.innerHTML = `<b></b><div class="bar"></div><div class="ends"><span>0</span><span></span></div>`;
  (legend.querySelector('b') as HTMLElement).textContent = title;
  // The top of the bar is the 99th percentile: values above it share its colour.
  (legend.querySelectorAll('.ends span')[1] as HTMLElement).textContent = `≥ ${Number(hi.toPrecision(3))}`;
  shownValues = v;
  document.querySelectorAll('.factor').forEach((el, q) => el.classList.toggle('active', which === String(q)));
  scatter.setColors(rgba);
  requestDraw();
}

function colorBy(which: string): void {
  if (!result || !scatter || !loaded) return;
  const n = loaded.n;
  const rgba = new Uint8Array(4 * n);
  const legend = $('legend');
  legend.hidden = false;
  if (which === 'cluster' && result.labels) {
    const cols = Array.from({ length: result.nClusters }, (_, c) => parseHex(categoryColor(c)));
    for (let i = 0; i < n; i++) {
      const c = result.labels[i];
      const [r, g, b] = c >= 0 ? cols[c] : [200, 200, 200];
      rgba.set([r, g, b, 255], 4 * i);
    }
    legend.innerHTML = '<b></b>';
    (legend.querySelector('b') as HTMLElement).textContent = result.labelTitle ?? 'hSNMF domain';
    for (let c = 0; c < result.nClusters; c++) {
      const d = document.createElement('div');
      d.innerHTML = `<span class="sw" style="background:${categoryColor(c)}"></span>`;
      d.append(result.labelNames?.[c] ?? String(c));
      legend.append(d);
    }
    if (result.labels.includes(-1)) {
      const d = document.createElement('div');
      d.innerHTML = '<span class="sw" style="background:#c8c8c8"></span>';
      d.append(result.labelNames ? 'in neither group' : 'unassigned');
      legend.append(d);
    }
    shownValues = undefined;
  } else {
    const f = Number(which);
    const k = result.k;
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = result.W[i * k + f];
    $<HTMLSelectElement>('color').value = which;
    return paintValues(v, `${factorName(f)} usage${result.method === 'hsnmf' ? ' (smoothed)' : ''}`, which);
  }
  $<HTMLSelectElement>('color').value = which;
  scatter.setColors(rgba);
  requestDraw();
}

function showResult(m: Extract<FromWorker, { type: 'result' }>): void {
  result = m;
  const sel = $<HTMLSelectElement>('color');
  sel.innerHTML = '';
  if (m.labels) sel.add(new Option(m.labelTitle ?? 'hSNMF domain', 'cluster'));
  for (let f = 0; f < m.k; f++) sel.add(new Option(factorName(f), String(f)));
  $('colorby').hidden = !scatter;
  ($('color').parentElement as HTMLElement).hidden = false;
  $('gene-label').textContent = 'or gene';
  const fac = $('factors');
  fac.innerHTML = '';
  m.top.forEach((genes, f) => {
    const d = factorCard(factorName(f), genes, { barPixels: 100, minBarPixels: 2 });
    d.addEventListener('click', () => colorBy(String(f)));
    fac.append(d);
  });
  $('side').hidden = false;
  colorBy(m.labels ? 'cluster' : '0');
  requestAnimationFrame(fit);
  const t = document.createElement('table');
  for (const [k, v] of Object.entries(m.summary)) {
    if (v === undefined || v === null || typeof v === 'object') continue;
    row(t, k, typeof v === 'number' && !Number.isInteger(v) ? String(Number(v.toPrecision(5))) : String(v));
  }
  $('summary').replaceChildren(t);
  const dl = $('downloads');
  dl.innerHTML = '';
  for (const f of m.files) dl.append(downloadLink(f.name, f.name, new Blob([f.bytes as Uint8Array<ArrayBuffer>], { type: f.type })));
  showFigures(m.figures);
}

/** A link that saves `blob` as `name`; `key` (data-name) is what the browser test looks it up by. */
function downloadLink(name: string, key: string, blob: Blob): HTMLAnchorElement {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.textContent = name;
  a.dataset.name = key;
  return a;
}

/** `stnmf plot`'s figures of the run: a preview, the caption, and PNG/SVG downloads under the names plot writes. */
function showFigures(figures: RunFigure[]): void {
  const box = $('figures');
  box.textContent = '';
  if (figures.length === 0) return;
  const h = document.createElement('h4');
  h.textContent = `Figures (as stnmf plot draws them: ${figures.length})`;
  box.append(h);
  for (const f of figures) {
    const fig = document.createElement('figure');
    const png = new Blob([f.png as Uint8Array<ArrayBuffer>], { type: 'image/png' });
    // The preview opens the full-size PNG in a new tab (the sidebar shows it small).
    const full = document.createElement('a');
    full.href = URL.createObjectURL(png);
    full.target = '_blank';
    full.title = 'open full size';
    const img = document.createElement('img');
    img.src = full.href;
    img.alt = f.caption;
    full.append(img);
    const cap = document.createElement('figcaption');
    cap.textContent = f.caption;
    fig.append(full, cap, downloadLink(`${f.name}.png`, `figures/${f.name}.png`, png), downloadLink(`${f.name}.svg`, `figures/${f.name}.svg`, new Blob([f.svg], { type: 'image/svg+xml' })));
    box.append(fig);
  }
}

// ---- start -------------------------------------------------------------------------------------

buildForm($('form-nmf'), CLI_FLAGS.nmf, 'nmf');
buildForm($('form-hsnmf'), CLI_FLAGS.hsnmf, 'hsnmf');
buildForm($('form-contrastive'), CLI_FLAGS.contrastive, 'contrastive');
buildForm($('form-siid'), CLI_FLAGS.siid, 'siid');
buildForm($('form-input'), CLI_FLAGS.input, 'in', false);
const iso = $('isolation');
if (isolated) iso.textContent = `cross-origin isolated: up to ${cores} threads`;
else {
  iso.textContent = 'not cross-origin isolated: runs on one thread (serve with COOP/COEP, e.g. `stnmf app`, for threads)';
  iso.classList.add('single');
}
document.body.dataset.isolated = String(isolated);
for (const m of ['nmf', 'hsnmf', 'contrastive', 'siid'] as const) {
  const th = $<HTMLInputElement>(`${m}-threads`);
  if (!isolated) {
    th.value = '1';
    th.disabled = true;
  }
}
$<HTMLSelectElement>('method').addEventListener('change', (e) => {
  const m = (e.target as HTMLSelectElement).value;
  $('form-nmf').hidden = m !== 'nmf';
  $('form-hsnmf').hidden = m !== 'hsnmf';
  $('form-contrastive').hidden = m !== 'contrastive';
  $('lasso-use').hidden = m !== 'contrastive';
  $('form-siid').hidden = m !== 'siid';
  $('spots-input').hidden = m !== 'siid';
});
$('run').addEventListener('click', run);
$('lasso').addEventListener('click', () => {
  lassoMode = !lassoMode;
  $('lasso').setAttribute('aria-pressed', String(lassoMode));
  $('stage').classList.toggle('lasso', lassoMode);
});
$('lasso-clear').addEventListener('click', () => {
  lassoPath = [];
  lassoSelection = new Int32Array(0);
  showLassoState();
  requestDraw();
});
$<HTMLInputElement>('contrastive-lasso').addEventListener('change', useLassoChanged);
$('cancel').addEventListener('click', cancel);
$<HTMLSelectElement>('color').addEventListener('change', (e) => colorBy((e.target as HTMLSelectElement).value));
$<HTMLInputElement>('gene').addEventListener('change', (e) => colorByGene((e.target as HTMLInputElement).value.trim()));
$('form-input').addEventListener('change', () => files.length && inspect());
const pickFiles = (list: FileList | null): void => {
  if (!list || list.length === 0) return;
  setFiles([...list].map((f) => ({ path: f.webkitRelativePath || f.name, blob: f })));
};
$<HTMLInputElement>('dir-input').addEventListener('change', (e) => pickFiles((e.target as HTMLInputElement).files));
$<HTMLInputElement>('file-input').addEventListener('change', (e) => pickFiles((e.target as HTMLInputElement).files));
for (const id of ['spots-dir-input', 'spots-file-input']) {
  $<HTMLInputElement>(id).addEventListener('change', (e) => {
    const list = (e.target as HTMLInputElement).files;
    if (list && list.length) setSpots([...list].map((f) => ({ path: f.webkitRelativePath || f.name, blob: f })));
  });
}
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const items = [...(e.dataTransfer?.items ?? [])].map((i) => i.webkitGetAsEntry()).filter((x): x is FileSystemEntry => x !== null);
  void (async () => {
    const out: DroppedFile[] = [];
    for (const it of items) await entryFiles(it, '', out);
    setFiles(out);
  })();
});
window.addEventListener('resize', requestDraw);
setInterval(() => {
  if (document.body.dataset.state === 'running') showMemoryPage();
}, 1000);
function showMemoryPage(): void {
  // The page heap changes during a run; the worker's figures stay as last reported.
  const el = $('memory');
  const heap = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize;
  if (heap !== undefined && el.textContent) el.textContent = el.textContent.replace(/page heap [\d.]+ MiB/, `page heap ${mib(heap)}`);
}

/** Hooks for the browser test: the result files' bytes and the state. */
(window as unknown as { __app: unknown }).__app = {
  isolated,
  file: (name: string): OutputFile | undefined => result?.files.find((f) => f.name === name),
  /** A result file's bytes; `figures/<name>.png|svg` are the figures' downloads. */
  fileBase64: (name: string): string | undefined => {
    const fig = result?.figures.find((x) => name === `figures/${x.name}.png` || name === `figures/${x.name}.svg`);
    const f = fig ? { bytes: name.endsWith('.png') ? fig.png : new TextEncoder().encode(fig.svg) } : result?.files.find((x) => x.name === name);
    if (!f) return undefined;
    let s = '';
    for (let i = 0; i < f.bytes.length; i += 0x8000) s += String.fromCharCode(...f.bytes.subarray(i, i + 0x8000));
    return btoa(s);
  },
  labels: () => (result?.labels ? Array.from(result.labels) : null),
  figures: () => result?.figures.map((f) => f.name) ?? [],
  summary: () => result?.summary,
  threads: () => result?.threads,
  /** Screen pixels per coordinate unit of the map (the scale bar's test reads it). */
  zoom: () => scatter?.view.zoom,
  /** The values the map is coloured by (a gene's or a factor's), or null for categories. */
  shownValues: () => (shownValues ? Array.from(shownValues) : null),
  /** How many cells the lasso holds. */
  lassoCount: () => lassoSelection.length,
  /** The legend's title. */
  legend: () => ($('legend').querySelector('b') as HTMLElement | null)?.textContent ?? null,
};
