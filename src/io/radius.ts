/**
 * Sanity check of a neighbourhood radius against a dataset's coordinates (issue 3: "coordinates
 * given in the wrong unit for a radius"). A radius meant in µm applied to pixel coordinates (or
 * the reverse) is off by a factor of 2-20, which either links every cell to every other or to
 * none; both are silent in the maths, so the CLI warns.
 */
import type { Dataset } from '../dataset.js';

/** Bounding box and typical spacing of `obsm.spatial`, or undefined without coordinates. */
export function coordinateScale(d: Dataset): { width: number; height: number; spacing: number; n: number } | undefined {
  const s = d.obsm.spatial;
  if (!s || s.rows < 2 || s.cols < 2) return undefined;
  let xMin = Infinity, xMax = -Infinity, yMin = Infinity, yMax = -Infinity;
  let n = 0;
  for (let i = 0; i < s.rows; i++) {
    const x = s.data[i * s.cols];
    const y = s.data[i * s.cols + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    n++;
    if (x < xMin) xMin = x;
    if (x > xMax) xMax = x;
    if (y < yMin) yMin = y;
    if (y > yMax) yMax = y;
  }
  if (n < 2) return undefined;
  const width = xMax - xMin;
  const height = yMax - yMin;
  // Mean spacing of n points spread over the box (1-D extent when the points lie on a line).
  const area = width * height;
  const spacing = area > 0 ? Math.sqrt(area / n) : Math.max(width, height) / (n - 1);
  return { width, height, spacing, n };
}

/**
 * Returns a one-line warning when `radius` cannot be meant for these coordinates, else
 * undefined: larger than the whole extent (every observation becomes a neighbour of every other)
 * or below a tenth of the typical spacing √(area / n) (almost nobody has a neighbour). The
 * message names the coordinate unit and, when µm per unit is known, the radius converted.
 *
 * @param d       the dataset (uses `obsm.spatial`, `meta.coordinateUnit`, `meta.micronsPerUnit`)
 * @param radius  the radius in the dataset's coordinate unit
 * @param what    how the user gave it, e.g. `--radius`
 */
export function checkRadius(d: Dataset, radius: number, what: string): string | undefined {
  const sc = coordinateScale(d);
  if (!sc || !(radius > 0) || !Number.isFinite(radius)) return undefined;
  const unit = d.meta.coordinateUnit && d.meta.coordinateUnit !== 'unknown' ? d.meta.coordinateUnit : 'coordinate units';
  const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toPrecision(3));
  const extent = Math.max(sc.width, sc.height);
  const upm = d.meta.micronsPerUnit;
  const hint =
    upm !== undefined && upm !== 1
      ? `; 1 ${unit} = ${fmt(upm)} µm, so a radius of ${fmt(radius)} µm is ${fmt(radius / upm)} ${unit}`
      : '; check that the radius and the coordinates use the same unit';
  if (radius > extent) {
    return `${what} ${fmt(radius)} is larger than the whole coordinate extent (${fmt(sc.width)} x ${fmt(sc.height)} ${unit}): every observation would be a neighbour of every other${hint}`;
  }
  if (radius < 0.1 * sc.spacing) {
    return `${what} ${fmt(radius)} is below a tenth of the typical spacing between observations (${fmt(sc.spacing)} ${unit}): almost none would have a neighbour${hint}`;
  }
  return undefined;
}
