/**
 * The pointer on the map: pan by dragging, lasso with the Lasso button or Shift (the cells
 * inside the drawn polygon become the selection), zoom with the wheel about the cursor, and the
 * hover tooltip with the cell's id, true position, shown value, top factor and clusters.
 */
import { drawLassoPath } from './lasso.js';
import { $, fmt, type Viewer } from './viewer.js';

/** Wires the pointer of `v`: `select` takes the lasso's cells, `fit` resets the view (Reset button). */
export function setupPointer(v: Viewer, select: (ids: Int32Array) => void, fit: () => void): void {
  const { canvas, gl, meta, coords, W, k } = v;
  const overlay = $<HTMLCanvasElement>('overlay');
  const stage = $('stage');
  const coordUnit = meta.unit === 'um' ? 'µm' : meta.unit === 'px' || meta.unit === 'px_fullres' ? 'px' : 'units';
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

  // The cell's own coordinates: tiled samples are drawn moved (the tile says by how much).
  const trueXy = (c: number): string => {
    const dx = coords[2 * c], dy = coords[2 * c + 1];
    const tol = (s: { width: number; height: number }) => 0.01 * (s.width + s.height) + 1e-3; // float32 rounding; tiles are 10 % apart
    const t = meta.sampleTiles?.find((s) => dx >= s.x - tol(s) && dx <= s.x + s.width + tol(s) && dy >= s.y - tol(s) && dy <= s.y + s.height + tol(s));
    return t ? `sample ${t.sample}: x ${fmt(dx - t.x + t.x0)}, y ${fmt(dy - t.y + t.y0)} ${coordUnit}` : `x ${fmt(dx + meta.offset[0])}, y ${fmt(dy + meta.offset[1])} ${coordUnit}`;
  };
  const hover = (sx: number, sy: number): void => {
    const [dx, dy] = gl.toData(sx, sy);
    const i = v.index.nearest(dx, dy, Math.max(v.cellRadius, 6 / gl.view.zoom));
    const tip = $('tooltip');
    if (i < 0) {
      tip.hidden = true;
      return;
    }
    let top = 0;
    for (let f = 1; f < k; f++) if (W[i * k + f] > W[i * k + top]) top = f;
    const { codes, key } = v;
    const lines = [
      meta.obsNames[i],
      trueXy(i),
      codes ? `${meta.clusters[key].name}: ${codes[i] >= 0 ? meta.clusters[key].categories[codes[i]] : 'NA'}` : `value: ${fmt((v.values as Float32Array)[i])}`,
      `top factor: ${meta.factorNames[top]} (${fmt(W[i * k + top])})`,
    ];
    for (const c of meta.clusters) {
      const cc = v.clusterCodes.get(meta.clusters.indexOf(c));
      if (cc && !(codes && c === meta.clusters[key])) lines.push(`${c.name}: ${cc[i] >= 0 ? c.categories[cc[i]] : 'NA'}`);
    }
    tip.textContent = lines.join('\n');
    tip.hidden = false;
    tip.style.left = `${Math.min(sx + 14, canvas.clientWidth - tip.offsetWidth - 4)}px`;
    tip.style.top = `${Math.min(sy + 14, canvas.clientHeight - tip.offsetHeight - 4)}px`;
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
      v.requestDraw();
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
      if (poly.length >= 6) select(v.index.inPolygon(poly));
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
      v.requestDraw();
    },
    { passive: false },
  );
  $('reset').addEventListener('click', () => {
    fit();
    v.requestDraw();
  });
  window.addEventListener('resize', v.requestDraw);
}
