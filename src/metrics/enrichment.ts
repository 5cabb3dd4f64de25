/**
 * Gene-set over-representation for cluster markers (methods-spec M1.5 item 11, G4.13): an
 * offline one-sided hypergeometric test against user-supplied gene sets (GMT text), with
 * Benjamini–Hochberg adjustment, background = the measured genes. The reference queries the
 * Enrichr web service with KEGG_2021_Human; the toolkit never uses the network and bundles
 * no gene sets (licence).
 *
 * Layer 1 (metrics): parses text it is given; reading the file is the caller's job.
 */
import { StnmfError } from '../errors.js';
import { logFactorial } from '../linalg/index.js';

/** One gene set of a GMT file. */
export interface GeneSet {
  name: string;
  description: string;
  genes: string[];
}

/**
 * Parses GMT text: one set per line, tab-separated `name`, `description`, genes…; blank lines
 * and lines starting with `#` are skipped; empty gene fields are dropped.
 * @param source file name for error messages
 * @throws StnmfError('BAD_FILE') for a line with fewer than 3 fields or no sets at all.
 */
export function parseGmt(text: string, source = 'GMT'): GeneSet[] {
  const sets: GeneSet[] = [];
  const lines = text.split(/\r?\n/);
  for (let l = 0; l < lines.length; l++) {
    const line = lines[l];
    if (line.trim() === '' || line.startsWith('#')) continue;
    const f = line.split('\t');
    if (f.length < 3) throw new StnmfError('BAD_FILE', `${source}: line ${l + 1} has ${f.length} tab-separated field(s); a GMT line needs name, description and at least one gene`);
    sets.push({ name: f[0], description: f[1], genes: f.slice(2).map((g) => g.trim()).filter((g) => g !== '') });
  }
  if (sets.length === 0) throw new StnmfError('BAD_FILE', `${source}: no gene sets found (expected tab-separated GMT lines)`);
  return sets;
}

/** One tested term. */
export interface EnrichmentTerm {
  name: string;
  overlap: number;
  /** |S ∩ background|. */
  setSize: number;
  pValue: number;
  adjustedP: number;
  genes: string[];
}

/** P(X ≥ x) for X ~ Hypergeometric(N population, K successes, n draws), summed in float64. */
export function hypergeometricSf(x: number, N: number, K: number, n: number): number {
  const hi = Math.min(K, n);
  const support = Math.max(0, n - (N - K));
  if (x <= support) return 1;
  const lo = Math.max(x, support);
  if (lo > hi) return 0;
  const logDen = logChoose(N, n);
  let s = 0;
  for (let i = lo; i <= hi; i++) s += Math.exp(logChoose(K, i) + logChoose(N - K, n - i) - logDen);
  return Math.min(1, s);
}

function logChoose(a: number, b: number): number {
  return logFactorial(a) - logFactorial(b) - logFactorial(a - b);
}

/**
 * Benjamini–Hochberg adjusted p-values (statsmodels `multipletests(method='fdr_bh')`):
 * `min_{j ≥ i} p₍ⱼ₎·m/j`, clipped at 1, returned in input order (ties keep input order).
 */
export function benjaminiHochberg(p: ArrayLike<number>): Float64Array {
  const m = p.length;
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => p[a] - p[b]);
  const out = new Float64Array(m);
  let running = 1;
  for (let r = m - 1; r >= 0; r--) {
    const i = order[r];
    running = Math.min(running, (p[i] * m) / (r + 1));
    out[i] = Math.min(1, running);
  }
  return out;
}

/**
 * Over-representation of `query` genes in each set (G4.13): x = |L ∩ S|, K = |S ∩ B|,
 * N = |B|, n = |L ∩ B|, p = P(X ≥ x); only terms with x ≥ 1 are tested and adjusted (as
 * gseapy's offline `enrich`). Symbols are compared case-insensitively [T] (so mouse panel
 * symbols match upper-case human sets).
 * @returns tested terms sorted by p-value
 */
export function overRepresentation(query: string[], sets: GeneSet[], background: string[]): EnrichmentTerm[] {
  const B = new Set(background.map((g) => g.toUpperCase()));
  const L = new Set(query.map((g) => g.toUpperCase()).filter((g) => B.has(g)));
  const N = B.size;
  const terms: EnrichmentTerm[] = [];
  for (const s of sets) {
    const S = new Set(s.genes.map((g) => g.toUpperCase()).filter((g) => B.has(g)));
    const hits = [...L].filter((g) => S.has(g));
    if (hits.length < 1) continue;
    terms.push({ name: s.name, overlap: hits.length, setSize: S.size, pValue: hypergeometricSf(hits.length, N, S.size, L.size), adjustedP: NaN, genes: hits });
  }
  const adj = benjaminiHochberg(terms.map((t) => t.pValue));
  terms.forEach((t, i) => (t.adjustedP = adj[i]));
  return terms.sort((a, b) => a.pValue - b.pValue);
}

/**
 * The reference's Enrich score (M1.5 item 11): per cluster marker list, −log10(max(min
 * adjusted p, 1e−10)), kept only when some term has adjusted p < 0.05 (`requireSignificant`,
 * default true, the web path that produced the published CSV); Enrich = median over kept
 * clusters, NaN if none.
 */
export function enrichmentScore(
  markerLists: string[][],
  sets: GeneSet[],
  background: string[],
  requireSignificant = true,
): { enrich: number; perCluster: number[]; terms: EnrichmentTerm[][] } {
  const perCluster: number[] = [];
  const terms: EnrichmentTerm[][] = [];
  for (const list of markerLists) {
    const t = list.length ? overRepresentation(list, sets, background) : [];
    terms.push(t);
    if (t.length === 0) {
      perCluster.push(NaN);
      continue;
    }
    let minAdj = Infinity;
    for (const x of t) if (x.adjustedP < minAdj) minAdj = x.adjustedP;
    if (requireSignificant && !(minAdj < 0.05)) {
      perCluster.push(NaN);
      continue;
    }
    perCluster.push(-Math.log10(Math.max(minAdj, 1e-10)));
  }
  const kept = perCluster.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const m = kept.length;
  const enrich = m === 0 ? NaN : m % 2 ? kept[(m - 1) >> 1] : 0.5 * (kept[m / 2 - 1] + kept[m / 2]);
  return { enrich, perCluster, terms };
}
