/**
 * The viewer's frame-cost measurement for the browser tests and `npm run bench`: pans the map a
 * little every animation frame and times each draw to GPU completion (a one-pixel readback)
 * and the intervals between frames.
 */
import type { Viewer } from './viewer.js';

/** Frame costs of a pan, in ms. */
export interface PanTiming {
  n: number;
  meanMs: number;
  p95Ms: number;
  maxMs: number;
  meanIntervalMs: number;
  p95IntervalMs: number;
}

/** Pans `v` for `frames` animation frames, drawing each with `draw`, and reports the costs. */
export function benchPan(v: Viewer, draw: () => void, frames: number): Promise<PanTiming> {
  const { gl } = v;
  return new Promise((ok) => {
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
        const mean = (a: number[]): number => a.reduce((s, x) => s + x, 0) / Math.max(1, a.length);
        ok({ n: cost.length, meanMs: mean(cost), p95Ms: q(cost, 0.95), maxMs: Math.max(...cost), meanIntervalMs: mean(gaps), p95IntervalMs: q(gaps, 0.95) });
      }
    };
    requestAnimationFrame(step);
  });
}
