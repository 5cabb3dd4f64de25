/**
 * A uniform grid over the cells for hover look-ups and lasso selection: cells are bucketed once
 * (counting sort), so a query touches only the buckets near the cursor or inside the lasso's
 * bounding box.
 */
export class GridIndex {
  private readonly x0: number;
  private readonly y0: number;
  private readonly size: number;
  private readonly nx: number;
  private readonly ny: number;
  private readonly start: Int32Array;
  private readonly items: Int32Array;
  constructor(private readonly coords: Float32Array) {
    const n = coords.length / 2;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = coords[2 * i], y = coords[2 * i + 1];
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    // About 4 cells per bucket on average.
    const area = Math.max(1e-9, (x1 - x0) * (y1 - y0));
    this.size = Math.max(1e-6, Math.sqrt((4 * area) / Math.max(1, n)));
    this.x0 = x0;
    this.y0 = y0;
    this.nx = Math.max(1, Math.ceil((x1 - x0) / this.size) + 1);
    this.ny = Math.max(1, Math.ceil((y1 - y0) / this.size) + 1);
    const counts = new Int32Array(this.nx * this.ny + 1);
    const bucket = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const b = this.bucketOf(coords[2 * i], coords[2 * i + 1]);
      bucket[i] = b;
      counts[b + 1]++;
    }
    for (let b = 0; b < this.nx * this.ny; b++) counts[b + 1] += counts[b];
    this.start = Int32Array.from(counts);
    this.items = new Int32Array(n);
    const next = Int32Array.from(counts);
    for (let i = 0; i < n; i++) this.items[next[bucket[i]]++] = i;
  }

  private bucketOf(x: number, y: number): number {
    const bx = Math.min(this.nx - 1, Math.max(0, Math.floor((x - this.x0) / this.size)));
    const by = Math.min(this.ny - 1, Math.max(0, Math.floor((y - this.y0) / this.size)));
    return by * this.nx + bx;
  }

  /** Calls `fn` for every cell whose bucket overlaps the box. */
  forEachInBox(xa: number, ya: number, xb: number, yb: number, fn: (i: number) => void): void {
    const bx0 = Math.max(0, Math.floor((xa - this.x0) / this.size));
    const bx1 = Math.min(this.nx - 1, Math.floor((xb - this.x0) / this.size));
    const by0 = Math.max(0, Math.floor((ya - this.y0) / this.size));
    const by1 = Math.min(this.ny - 1, Math.floor((yb - this.y0) / this.size));
    for (let by = by0; by <= by1; by++) {
      for (let bx = bx0; bx <= bx1; bx++) {
        const b = by * this.nx + bx;
        for (let q = this.start[b]; q < this.start[b + 1]; q++) fn(this.items[q]);
      }
    }
  }

  /** The cell nearest to (x, y) within `maxDist`, or -1. */
  nearest(x: number, y: number, maxDist: number): number {
    let best = -1;
    let bd = maxDist * maxDist;
    this.forEachInBox(x - maxDist, y - maxDist, x + maxDist, y + maxDist, (i) => {
      const dx = this.coords[2 * i] - x, dy = this.coords[2 * i + 1] - y;
      const d = dx * dx + dy * dy;
      if (d <= bd) {
        bd = d;
        best = i;
      }
    });
    return best;
  }

  /** Cells inside the polygon (x, y pairs in data units; even-odd rule), ascending. */
  inPolygon(poly: number[]): Int32Array {
    if (poly.length < 6) return new Int32Array(0);
    let xa = Infinity, ya = Infinity, xb = -Infinity, yb = -Infinity;
    for (let k = 0; k < poly.length; k += 2) {
      xa = Math.min(xa, poly[k]);
      xb = Math.max(xb, poly[k]);
      ya = Math.min(ya, poly[k + 1]);
      yb = Math.max(yb, poly[k + 1]);
    }
    const out: number[] = [];
    this.forEachInBox(xa, ya, xb, yb, (i) => {
      if (pointInPolygon(this.coords[2 * i], this.coords[2 * i + 1], poly)) out.push(i);
    });
    return Int32Array.from(out).sort();
  }
}

/** Even-odd ray casting test. */
export function pointInPolygon(x: number, y: number, poly: number[]): boolean {
  let inside = false;
  const m = poly.length / 2;
  for (let a = 0, b = m - 1; a < m; b = a++) {
    const xa = poly[2 * a], ya = poly[2 * a + 1], xb = poly[2 * b], yb = poly[2 * b + 1];
    if (ya > y !== yb > y && x < ((xb - xa) * (y - ya)) / (yb - ya) + xa) inside = !inside;
  }
  return inside;
}
