/** Pareto optimality of points in two criteria: the one test behind the hSNMF sweep and its plot. */

/**
 * Which points are Pareto-optimal with both axes maximised: a point is optimal when no other
 * point is ≥ in both and > in at least one. Points with a non-finite coordinate are never
 * optimal and never dominate. O(n²), for sweeps of tens to hundreds of runs.
 */
export function paretoOptimal(x: ArrayLike<number>, y: ArrayLike<number>): boolean[] {
  const n = x.length;
  const out: boolean[] = new Array(n).fill(false);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) continue;
    let dominated = false;
    for (let j = 0; j < n && !dominated; j++) {
      if (j === i || !Number.isFinite(x[j]) || !Number.isFinite(y[j])) continue;
      if (x[j] >= x[i] && y[j] >= y[i] && (x[j] > x[i] || y[j] > y[i])) dominated = true;
    }
    out[i] = !dominated;
  }
  return out;
}
