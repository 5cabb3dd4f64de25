/**
 * The map's frame: fitting the view to the cells, the scale bar in the unit that is true, the
 * sample tiles' names, and drawing (at most once per animation frame).
 */
import { lengthUnit, screenScaleBar } from '../../src/plot/units.js';
import { $, type Viewer } from './viewer.js';

/** The frame's actions: fit the view to the cells, draw now. `v.requestDraw` is set to draw on the next frame. */
export interface Frame {
  fit(): void;
  draw(): void;
}

/** Sets up the scale bar and the tile labels of `v` and returns how to fit and draw it. */
export function createFrame(v: Viewer): Frame {
  const { gl, canvas, meta, cellRadius } = v;
  const { x0, y0, x1, y1 } = v.bounds;
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
  let frameRequested = false;
  v.requestDraw = (): void => {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(() => {
      frameRequested = false;
      draw();
    });
  };
  return { fit, draw };
}
