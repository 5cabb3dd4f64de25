/**
 * The stnmf viewer: a WebGL map of the tissue coloured by factor usage, measured gene, imputed
 * gene (the result's imputed layer, e.g. SIID's, when it has one; otherwise W·H computed here)
 * or cluster; hover details; lasso selection with export of the ids; a
 * side panel with each factor's top features. Data comes from `stnmf view`'s `/api/...`.
 */
import './style.css';
import { categoryColor, parseHex, valueRange, viridisTable } from '../../src/plot/color.js';
import { lengthUnit, screenScaleBar } from '../../src/plot/units.js';
import { drawLassoPath } from './lasso.js';
import { ScatterGL } from './scatter.js';
import { GridIndex } from './spatial-index.js';

interface Meta {
  name: string;
  n: number;
  k: number;
  p: number;
  unit: string;
  /** µm per coordinate unit when known (pixel coordinates with a pixel size), else null. */
  micronsPerUnit: number | null;
  offset: [number, number];
  /** Several samples: each drawn in its own tile (src/outputs/viewer-payload.ts); null for one. */
  sampleTiles?: { sample: string; x: number; y: number; width: number; height: number; x0: number; y0: number }[] | null;
  obsNames: string[];
  factorNames: string[];
  featureNames: string[];
  expressionGenes: string[];
  /** What measured values are (`counts`, `intensity`, `value`), for the legend; older servers omit it. */
  expressionQuantity?: string;
  /** What the factor usages are (e.g. `usage (X_nmf)`, `smoothed usage (X_snmf)`). */
  usageQuantity?: string;
  /** Genes of the result's imputed layer (empty: imputed genes are W·H over featureNames). */
  imputedGenes: string[];
  /** Per imputed gene: also measured (true) or imputed only (false); null when unknown. */
  imputedMeasured: boolean[] | null;
  clusters: { name: string; categories: string[]; colors: string[] }[];
  topFeatures: { name: string; weight: number }[][];
  summary: Record<string, unknown> | null;
  files: string[];
}

type Mode = 'factor' | 'gene' | 'imputed' | 'cluster';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

async function fetchBin(path: string): Promise<ArrayBuffer> {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.arrayBuffer();
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

async function start(): Promise<void> {
  const meta = (await (await fetch('api/meta.json')).json()) as Meta;
  const coords = new Float32Array(await fetchBin('api/coords.bin'));
  const W = new Float32Array(await fetchBin('api/W.bin'));
  const H = new Float32Array(await fetchBin('api/H.bin'));
  const { n, k, p } = meta;
  document.title = `${meta.name} — stnmf viewer`;
  $('title').textContent = meta.name;

  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, coords[2 * i]);
    x1 = Math.max(x1, coords[2 * i]);
    y0 = Math.min(y0, coords[2 * i + 1]);
    y1 = Math.max(y1, coords[2 * i + 1]);
  }
  const cellRadius = 0.5 * Math.sqrt(((x1 - x0) * (y1 - y0)) / Math.max(1, n));
  const stage = $('stage');
  const canvas = $<HTMLCanvasElement>('gl');
  const overlay = $<HTMLCanvasElement>('overlay');
  const gl = new ScatterGL(canvas, coords, cellRadius);
  const index = new GridIndex(coords);
  const lut = viridisTable();
  const rgba = new Uint8Array(4 * n);
  const selected = new Uint8Array(n);
  let selection: Int32Array = new Int32Array(0);
  let mode: Mode = 'factor';
  let key = 0;
  let values: Float32Array | undefined;
  let codes: Int32Array | undefined;
  let range: [number, number] = [0, 1];
  const clusterCodes = new Map<number, Int32Array>();
  const geneCache = new Map<number, Float32Array>();
  const imputedCache = new Map<number, Float32Array>();
  // Imputed genes come from the layer when the result has one (SIID), else from W·H.
  const hasLayer = meta.imputedGenes.length > 0;
  const imputedNames = hasLayer ? meta.imputedGenes : meta.featureNames;
  let frameRequested = false;

  const fit = (): void => {
    gl.resize();
    const w = canvas.clientWidth, h = canvas.clientHeight;
    // Tiled samples keep a strip above the top row for the tiles' names (and the dots' overhang).
    const zoomFor = (top: number) => 0.95 * Math.min(w / Math.max(1e-9, x1 - x0), (h - top) / Math.max(1e-9, y1 - y0));
    const top = meta.sampleTiles?.length ? 22 + Math.min(40, Math.max(1.5, 2 * cellRadius * zoomFor(22))) : 0;
    const zoom = zoomFor(top);
    gl.view = { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2 - top / 2 / zoom, zoom };
  };
  // The ruler in the unit that is true: µm (converted from pixels when the pixel size is known),
  // px for unscaled pixels, "units" when the unit is unknown (the figures' rule, src/plot/units.ts).
  const ruler = lengthUnit(meta.unit, meta.micronsPerUnit ?? undefined);
  const coordUnit = meta.unit === 'um' ? 'µm' : meta.unit === 'px' || meta.unit === 'px_fullres' ? 'px' : 'units';
  const scalebar = (): void => {
    const bar = screenScaleBar(gl.view.zoom, ruler);
    $('scalebar-bar').style.width = `${bar.pixels}px`;
    $('scalebar-label').textContent = bar.label;
  };
  // Several samples: each tile named above its upper-left corner, following pan and zoom.
  const tileLabels = (meta.sampleTiles ?? []).map((t) => {
    const el = document.createElement('div');
    el.className = 'tile-label';
    el.textContent = t.sample;
    el.dataset.sample = t.sample;
    $('tile-labels').appendChild(el);
    return { el, t };
  });
  const placeTileLabels = (): void => {
    // Outside the tile's dots: its outermost cell centres plus half a dot.
    const half = gl.dotSize() / 2;
    for (const { el, t } of tileLabels) {
      const a = gl.toScreen(t.x, t.y), b = gl.toScreen(t.x + t.width, t.y + t.height);
      el.style.left = `${Math.min(a[0], b[0]) - half}px`;
      el.style.top = `${Math.min(a[1], b[1]) - half - 2}px`;
    }
  };
  const draw = (): void => {
    gl.resize();
    gl.draw();
    scalebar();
    placeTileLabels();
  };
  const requestDraw = (): void => {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(() => {
      frameRequested = false;
      draw();
    });
  };

  const recolor = (): void => {
    const hasSel = selection.length > 0;
    const span = range[1] - range[0] || 1;
    const catRgb = codes ? meta.clusters[key].colors.map(parseHex) : [];
    for (let i = 0; i < n; i++) {
      let r: number, g: number, b: number;
      if (codes) {
        const c = codes[i];
        [r, g, b] = c >= 0 && c < catRgb.length ? catRgb[c] : [200, 200, 200];
      } else {
        const v = (values as Float32Array)[i];
        const t = Math.round(Math.max(0, Math.min(1, (v - range[0]) / span)) * 255);
        r = lut[4 * t];
        g = lut[4 * t + 1];
        b = lut[4 * t + 2];
      }
      if (hasSel && !selected[i]) {
        // Unselected cells fade towards the background.
        r = 255 - (255 - r) * 0.18;
        g = 255 - (255 - g) * 0.18;
        b = 255 - (255 - b) * 0.18;
      }
      rgba[4 * i] = r;
      rgba[4 * i + 1] = g;
      rgba[4 * i + 2] = b;
      rgba[4 * i + 3] = 255;
    }
    gl.setColors(rgba);
    requestDraw();
  };

  const legend = (label: string): void => {
    const el = $('legend');
    if (codes) {
      const c = meta.clusters[key];
      el.innerHTML = `<b></b><div class="cats"></div>`;
      (el.querySelector('b') as HTMLElement).textContent = c.name;
      const cats = el.querySelector('.cats') as HTMLElement;
      c.categories.forEach((name, i) => {
        const row = document.createElement('div');
        row.innerHTML = `<span class="sw" style="background:${c.colors[i]}"></span>`;
        row.append(name);
        cats.append(row);
      });
    } else {
      el.innerHTML = `<b></b><div class="bar"></div><div class="ends"><span></span><span></span></div>`;
      (el.querySelector('b') as HTMLElement).textContent = label;
      const ends = el.querySelectorAll('.ends span');
      ends[0].textContent = fmt(range[0]);
      ends[1].textContent = fmt(range[1]);
    }
  };

  const factorValues = (f: number): Float32Array => {
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = W[i * k + f];
    return v;
  };
  const imputed = (j: number): Float32Array => {
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let f = 0; f < k; f++) s += W[i * k + f] * H[f * p + j];
      v[i] = s;
    }
    return v;
  };

  /** Switches the colouring; `which` is a factor index, a gene name or a cluster column index. */
  const setColoring = async (m: Mode, which: number | string): Promise<void> => {
    mode = m;
    codes = undefined;
    values = undefined;
    let label = '';
    if (m === 'factor') {
      key = Number(which);
      values = factorValues(key);
      range = [0, valueRange(values)[1]];
      label = `${meta.factorNames[key]} (${meta.usageQuantity ?? 'usage'})`;
    } else if (m === 'cluster') {
      key = Number(which);
      let c = clusterCodes.get(key);
      if (!c) {
        c = new Int32Array(await fetchBin(`api/cluster/${key}.bin`));
        clusterCodes.set(key, c);
      }
      codes = c;
    } else if (m === 'gene') {
      const j = typeof which === 'number' ? which : meta.expressionGenes.indexOf(which);
      if (j < 0) throw new Error(`unknown gene ${which}`);
      key = j;
      let v = geneCache.get(j);
      if (!v) {
        v = new Float32Array(await fetchBin(`api/gene/${j}.bin`));
        geneCache.set(j, v);
      }
      values = v;
      range = valueRange(values);
      label = `${meta.expressionGenes[j]} (${meta.expressionQuantity ?? 'value'})`;
    } else {
      const j = typeof which === 'number' ? which : imputedNames.indexOf(which);
      if (j < 0) throw new Error(`unknown imputed gene ${which}`);
      key = j;
      if (hasLayer) {
        let v = imputedCache.get(j);
        if (!v) {
          v = new Float32Array(await fetchBin(`api/imputed/${j}.bin`));
          imputedCache.set(j, v);
        }
        values = v;
      } else values = imputed(j);
      range = valueRange(values);
      label = `${imputedNames[j]} (${hasLayer ? 'imputed' : 'W·H'})`;
    }
    syncControls();
    legend(label);
    document.querySelectorAll('.factor').forEach((el, f) => el.classList.toggle('active', m === 'factor' && f === key));
    recolor();
  };

  // Controls.
  const modeSel = $<HTMLSelectElement>('mode');
  const keySel = $<HTMLSelectElement>('key');
  const geneInput = $<HTMLInputElement>('gene');
  if (meta.expressionGenes.length === 0) (modeSel.querySelector('option[value=gene]') as HTMLOptionElement).disabled = true;
  const imputedOption = modeSel.querySelector('option[value=imputed]') as HTMLOptionElement;
  if (hasLayer) imputedOption.textContent = 'imputed gene (model)';
  if (imputedNames.length === 0 || (!hasLayer && p === 0)) imputedOption.disabled = true;
  if (meta.clusters.length === 0) (modeSel.querySelector('option[value=cluster]') as HTMLOptionElement).disabled = true;
  const fillKeys = (m: Mode): void => {
    keySel.innerHTML = '';
    const names = m === 'factor' ? meta.factorNames : m === 'cluster' ? meta.clusters.map((c) => c.name) : [];
    names.forEach((s, i) => keySel.add(new Option(s, String(i))));
    keySel.hidden = names.length === 0;
    geneInput.hidden = !(m === 'gene' || m === 'imputed');
    const dl = $('genes');
    dl.innerHTML = '';
    if (m === 'imputed') {
      imputedNames.forEach((g, j) => {
        const measured = meta.imputedMeasured?.[j];
        dl.append(new Option(measured === undefined ? '' : measured ? 'also measured' : 'imputed only', g));
      });
    } else if (m === 'gene') for (const g of meta.expressionGenes) dl.append(new Option(g));
  };
  const syncControls = (): void => {
    if (modeSel.value !== mode) {
      modeSel.value = mode;
      fillKeys(mode);
    }
    if (mode === 'factor' || mode === 'cluster') keySel.value = String(key);
    else geneInput.value = mode === 'gene' ? meta.expressionGenes[key] : imputedNames[key];
  };
  modeSel.addEventListener('change', () => {
    const m = modeSel.value as Mode;
    fillKeys(m);
    if (m === 'factor' || m === 'cluster') void setColoring(m, 0);
    else {
      const names = m === 'gene' ? meta.expressionGenes : imputedNames;
      // Imputed mode opens on a gene that was not measured, when the result says which those are.
      const unmeasured = m === 'imputed' ? meta.imputedMeasured?.indexOf(false) ?? -1 : -1;
      const first = meta.topFeatures[0]?.[0]?.name;
      void setColoring(m, unmeasured >= 0 ? names[unmeasured] : first && names.includes(first) ? first : names[0]);
    }
  });
  keySel.addEventListener('change', () => void setColoring(mode, Number(keySel.value)));
  geneInput.addEventListener('change', () => {
    const names = mode === 'gene' ? meta.expressionGenes : imputedNames;
    if (names.includes(geneInput.value)) void setColoring(mode, geneInput.value);
  });

  // Side panel: factors with their top features.
  const panel = $('factors');
  meta.topFeatures.forEach((tops, f) => {
    const div = document.createElement('div');
    div.className = 'factor';
    const name = document.createElement('div');
    name.className = 'name';
    name.textContent = meta.factorNames[f];
    div.append(name);
    const wmax = tops[0]?.weight || 1;
    for (const t of tops) {
      const row = document.createElement('div');
      row.className = 'gene';
      const a = document.createElement('a');
      a.href = '#';
      a.textContent = t.name;
      const measured = meta.expressionGenes.includes(t.name);
      const linkable = measured || imputedNames.includes(t.name);
      a.title = measured ? 'colour by this gene' : linkable ? 'colour by this imputed gene' : '';
      a.addEventListener('click', (e) => {
        e.preventDefault();
        e.stopPropagation();
        if (linkable) void setColoring(measured ? 'gene' : 'imputed', t.name);
      });
      const g = document.createElement('span');
      g.className = 'g';
      g.append(a);
      const bar = document.createElement('span');
      bar.className = 'w';
      bar.style.width = `${Math.round((150 * t.weight) / wmax)}px`;
      row.append(g, bar);
      div.append(row);
    }
    div.addEventListener('click', () => void setColoring('factor', f));
    panel.append(div);
  });

  // Selection.
  const status = (): void => {
    $('status').textContent = `${n.toLocaleString('en-US')} cells · ${k} factors${selection.length ? ` · ${selection.length.toLocaleString('en-US')} selected` : ''}`;
    $<HTMLButtonElement>('export').disabled = selection.length === 0;
  };
  const setSelection = (ids: Int32Array): void => {
    selected.fill(0);
    for (const i of ids) selected[i] = 1;
    selection = ids;
    status();
    recolor();
  };
  const selectedIds = (): string[] => Array.from(selection, (i) => meta.obsNames[i]);
  $('clear').addEventListener('click', () => setSelection(new Int32Array(0)));
  $('export').addEventListener('click', () => {
    const csv = 'obs_name\n' + selectedIds().join('\n') + '\n';
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    a.download = `${meta.name}-selection.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  });

  // Pointer: pan by drag, lasso with the Lasso button or Shift, zoom with the wheel.
  let lassoMode = false;
  const lassoBtn = $('lasso');
  lassoBtn.setAttribute('aria-pressed', 'false');
  lassoBtn.addEventListener('click', () => {
    lassoMode = !lassoMode;
    lassoBtn.setAttribute('aria-pressed', String(lassoMode));
    stage.classList.toggle('lasso', lassoMode);
  });
  const drawLasso = (pts: number[]): void => drawLassoPath(overlay, pts);
  let drag: { kind: 'pan' | 'lasso'; sx: number; sy: number; cx: number; cy: number; pts: number[] } | undefined;
  const local = (e: MouseEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  canvas.addEventListener('pointerdown', (e) => {
    const [sx, sy] = local(e);
    canvas.setPointerCapture(e.pointerId);
    drag = { kind: lassoMode || e.shiftKey ? 'lasso' : 'pan', sx, sy, cx: gl.view.cx, cy: gl.view.cy, pts: [sx, sy] };
    $('tooltip').hidden = true;
  });
  canvas.addEventListener('pointermove', (e) => {
    const [sx, sy] = local(e);
    if (drag?.kind === 'pan') {
      gl.view.cx = drag.cx - (sx - drag.sx) / gl.view.zoom;
      gl.view.cy = drag.cy - (sy - drag.sy) / gl.view.zoom;
      requestDraw();
      return;
    }
    if (drag?.kind === 'lasso') {
      drag.pts.push(sx, sy);
      drawLasso(drag.pts);
      return;
    }
    hover(sx, sy);
  });
  const endDrag = (): void => {
    if (drag?.kind === 'lasso') {
      const poly: number[] = [];
      for (let q = 0; q < drag.pts.length; q += 2) poly.push(...gl.toData(drag.pts[q], drag.pts[q + 1]));
      drawLasso([]);
      if (poly.length >= 6) setSelection(index.inPolygon(poly));
    }
    drag = undefined;
  };
  canvas.addEventListener('pointerup', endDrag);
  canvas.addEventListener('pointercancel', endDrag);
  canvas.addEventListener('pointerleave', () => ($('tooltip').hidden = true));
  canvas.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      const [sx, sy] = local(e);
      const [dx, dy] = gl.toData(sx, sy);
      const f = Math.exp(-e.deltaY * 0.0015);
      gl.view.zoom = Math.min(1e4, Math.max(1e-4, gl.view.zoom * f));
      // Keep the point under the cursor fixed.
      gl.view.cx = dx - (sx - canvas.clientWidth / 2) / gl.view.zoom;
      gl.view.cy = dy - (sy - canvas.clientHeight / 2) / gl.view.zoom;
      requestDraw();
    },
    { passive: false },
  );
  $('reset').addEventListener('click', () => {
    fit();
    requestDraw();
  });
  window.addEventListener('resize', requestDraw);

  // Hover details.
  const hover = (sx: number, sy: number): void => {
    const [dx, dy] = gl.toData(sx, sy);
    const i = index.nearest(dx, dy, Math.max(cellRadius, 6 / gl.view.zoom));
    const tip = $('tooltip');
    if (i < 0) {
      tip.hidden = true;
      return;
    }
    let top = 0;
    for (let f = 1; f < k; f++) if (W[i * k + f] > W[i * k + top]) top = f;
    // The cell's own coordinates: tiled samples are drawn moved (the tile says by how much).
    function trueXy(c: number): string {
      const dx = coords[2 * c], dy = coords[2 * c + 1];
      const tol = (s: { width: number; height: number }) => 0.01 * (s.width + s.height) + 1e-3; // float32 rounding; tiles are 10 % apart
      const t = meta.sampleTiles?.find((s) => dx >= s.x - tol(s) && dx <= s.x + s.width + tol(s) && dy >= s.y - tol(s) && dy <= s.y + s.height + tol(s));
      return t ? `sample ${t.sample}: x ${fmt(dx - t.x + t.x0)}, y ${fmt(dy - t.y + t.y0)} ${coordUnit}` : `x ${fmt(dx + meta.offset[0])}, y ${fmt(dy + meta.offset[1])} ${coordUnit}`;
    }
    const lines = [
      meta.obsNames[i],
      trueXy(i),
      codes ? `${meta.clusters[key].name}: ${codes[i] >= 0 ? meta.clusters[key].categories[codes[i]] : 'NA'}` : `value: ${fmt((values as Float32Array)[i])}`,
      `top factor: ${meta.factorNames[top]} (${fmt(W[i * k + top])})`,
    ];
    for (const c of meta.clusters) {
      const cc = clusterCodes.get(meta.clusters.indexOf(c));
      if (cc && !(codes && c === meta.clusters[key])) lines.push(`${c.name}: ${cc[i] >= 0 ? c.categories[cc[i]] : 'NA'}`);
    }
    tip.textContent = lines.join('\n');
    tip.hidden = false;
    tip.style.left = `${Math.min(sx + 14, canvas.clientWidth - tip.offsetWidth - 4)}px`;
    tip.style.top = `${Math.min(sy + 14, canvas.clientHeight - tip.offsetHeight - 4)}px`;
  };

  // Start: first factor; cluster codes prefetched for the tooltips.
  for (let c = 0; c < meta.clusters.length; c++) clusterCodes.set(c, new Int32Array(await fetchBin(`api/cluster/${c}.bin`)));
  fillKeys('factor');
  fit();
  await setColoring('factor', 0);
  status();
  draw();

  /** Measures frame cost while panning: draw + GPU completion (one-pixel readback), and rAF intervals. */
  const benchPan = (frames: number): Promise<{ n: number; meanMs: number; p95Ms: number; maxMs: number; meanIntervalMs: number; p95IntervalMs: number }> =>
    new Promise((ok) => {
      const cost: number[] = [];
      const gaps: number[] = [];
      const px = new Uint8Array(4);
      let last = 0;
      const step = (t: number): void => {
        if (last) gaps.push(t - last);
        last = t;
        const t0 = performance.now();
        gl.view.cx += 3 / gl.view.zoom;
        gl.view.cy += 1 / gl.view.zoom;
        draw();
        gl.gl.readPixels(0, 0, 1, 1, gl.gl.RGBA, gl.gl.UNSIGNED_BYTE, px);
        cost.push(performance.now() - t0);
        if (cost.length < frames) requestAnimationFrame(step);
        else {
          const q = (a: number[], f: number): number => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(f * a.length))];
          const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / Math.max(1, a.length);
          ok({ n: cost.length, meanMs: mean(cost), p95Ms: q(cost, 0.95), maxMs: Math.max(...cost), meanIntervalMs: mean(gaps), p95IntervalMs: q(gaps, 0.95) });
        }
      };
      requestAnimationFrame(step);
    });

  // A small API for scripted use and the browser tests.
  (window as unknown as { __stnmf: unknown }).__stnmf = {
    meta,
    setColoring,
    selectedIds,
    setSelection: (ids: number[]) => setSelection(Int32Array.from(ids).sort()),
    toData: (sx: number, sy: number) => gl.toData(sx, sy),
    toScreen: (x: number, y: number) => gl.toScreen(x, y),
    view: () => ({ ...gl.view }),
    benchPan,
    colorOf: (i: number) => Array.from(rgba.subarray(4 * i, 4 * i + 4)),
    categoryColor,
    renderer: gl,
  };
  document.body.dataset.ready = 'true';
}

start().catch((e: unknown) => {
  document.body.dataset.error = String((e as Error)?.message ?? e);
  const s = document.getElementById('status');
  if (s) s.textContent = `error: ${(e as Error)?.message ?? e}`;
  console.error(e);
});
