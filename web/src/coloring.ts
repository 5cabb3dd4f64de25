/**
 * What the map is coloured by: a factor's usage, a measured gene, an imputed gene (the result's
 * layer, or W·H computed here) or a cluster column; the cells' colours (viridis by value,
 * category colours, unselected cells faded) and the legend that names the quantity.
 */
import { parseHex, valueRange, viridisTable } from '../../src/plot/color.js';
import { $, fetchBin, fmt, type Mode, type Viewer } from './viewer.js';

const LUT = viridisTable();

/** Recomputes every cell's colour from the values or codes shown and the selection, and asks for a draw. */
export function recolor(v: Viewer): void {
  const { n, rgba, selected, codes, values, range } = v;
  const hasSel = v.selection.length > 0;
  const span = range[1] - range[0] || 1;
  const catRgb = codes ? v.meta.clusters[v.key].colors.map(parseHex) : [];
  for (let i = 0; i < n; i++) {
    let r: number, g: number, b: number;
    if (codes) {
      const c = codes[i];
      [r, g, b] = c >= 0 && c < catRgb.length ? catRgb[c] : [200, 200, 200];
    } else {
      const t = Math.round(Math.max(0, Math.min(1, ((values as Float32Array)[i] - range[0]) / span)) * 255);
      r = LUT[4 * t];
      g = LUT[4 * t + 1];
      b = LUT[4 * t + 2];
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
  v.gl.setColors(rgba);
  v.requestDraw();
}

/** The legend: the category swatches of a cluster column, or the colour bar's `label` and range. */
function legend(v: Viewer, label: string): void {
  const el = $('legend');
  if (v.codes) {
    const c = v.meta.clusters[v.key];
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
    ends[0].textContent = fmt(v.range[0]);
    ends[1].textContent = fmt(v.range[1]);
  }
}

/** Column `f` of W. */
function factorValues(v: Viewer, f: number): Float32Array {
  const out = new Float32Array(v.n);
  for (let i = 0; i < v.n; i++) out[i] = v.W[i * v.k + f];
  return out;
}

/** Column `j` of W·H (the model's value of feature j in each cell). */
function modelValues(v: Viewer, j: number): Float32Array {
  const { n, k, p, W, H } = v;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let f = 0; f < k; f++) s += W[i * k + f] * H[f * p + j];
    out[i] = s;
  }
  return out;
}

/** The colouring of a viewer: switch with `set`; fetched genes and layers are kept. */
export interface Coloring {
  /** Switches the colouring; `which` is a factor index, a gene name or a cluster column index. `sync` puts the controls in step. */
  set(m: Mode, which: number | string): Promise<void>;
}

/** The colouring of `v`; `sync` is called after each switch to put the controls in step. */
export function createColoring(v: Viewer, sync: () => void): Coloring {
  const geneCache = new Map<number, Float32Array>();
  const imputedCache = new Map<number, Float32Array>();
  const { meta } = v;
  const cached = async (cache: Map<number, Float32Array>, j: number, path: string): Promise<Float32Array> => {
    let got = cache.get(j);
    if (!got) {
      got = new Float32Array(await fetchBin(path));
      cache.set(j, got);
    }
    return got;
  };
  const set = async (m: Mode, which: number | string): Promise<void> => {
    v.mode = m;
    v.codes = undefined;
    v.values = undefined;
    let label = '';
    if (m === 'factor') {
      v.key = Number(which);
      v.values = factorValues(v, v.key);
      v.range = [0, valueRange(v.values)[1]];
      label = `${meta.factorNames[v.key]} (${meta.usageQuantity ?? 'usage'})`;
    } else if (m === 'cluster') {
      v.key = Number(which);
      let c = v.clusterCodes.get(v.key);
      if (!c) {
        c = new Int32Array(await fetchBin(`api/cluster/${v.key}.bin`));
        v.clusterCodes.set(v.key, c);
      }
      v.codes = c;
    } else if (m === 'gene') {
      const j = typeof which === 'number' ? which : meta.expressionGenes.indexOf(which);
      if (j < 0) throw new Error(`unknown gene ${which}`);
      v.key = j;
      v.values = await cached(geneCache, j, `api/gene/${j}.bin`);
      v.range = valueRange(v.values);
      label = `${meta.expressionGenes[j]} (${meta.expressionQuantity ?? 'value'})`;
    } else {
      const j = typeof which === 'number' ? which : v.imputedNames.indexOf(which);
      if (j < 0) throw new Error(`unknown imputed gene ${which}`);
      v.key = j;
      v.values = v.hasLayer ? await cached(imputedCache, j, `api/imputed/${j}.bin`) : modelValues(v, j);
      v.range = valueRange(v.values);
      label = `${v.imputedNames[j]} (${v.hasLayer ? 'imputed' : 'W·H'})`;
    }
    sync();
    legend(v, label);
    document.querySelectorAll('.factor').forEach((el, f) => el.classList.toggle('active', m === 'factor' && f === v.key));
    recolor(v);
  };
  return { set };
}
