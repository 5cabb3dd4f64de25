/**
 * Which axis of a delimited matrix holds observations, decided on the evidence a person uses
 * (issue 13, point 4): what the names on each side look like (sequencing barcodes, ST spot ids
 * `12x10`, UUIDs and integer cell ids are observations; Ensembl ids and gene symbols are
 * features), what the id column's header says (`cell_id`, `barcode` vs `gene`, `GENE`), which
 * side a positions table's ids match, and named observation attributes (x/y, in_tissue) among
 * the column headers. Pure: no I/O, no node imports.
 *
 * Every piece of evidence is a vote for one orientation with a strength (1 weak, 2 moderate,
 * 3 strong). A side wins when it has at least one moderate vote and the other side no strong
 * one; strong votes on both sides are contradictory; anything less is weak. The caller refuses
 * to guess in the last two cases.
 */
import type { Orientation } from './input-options.js';

/** What each name looks like. `obs` kinds are observation ids, `var` kinds feature names. */
export type NameKind = 'barcode' | 'spot-id' | 'uuid' | 'cell-index' | 'integer' | 'ensembl' | 'symbol' | 'other';

/** Names that are observation ids in every platform we know. */
const OBS_KINDS: ReadonlySet<NameKind> = new Set(['barcode', 'spot-id', 'uuid', 'cell-index', 'integer']);

// A run of 8+ nucleotides, whole or after a sample prefix (`P60HippoRep6P2_GACTTGAAATGC`,
// `AAACAAGTATCTCCCA-1`, 18-mer ST barcodes, Slide-seq bead barcodes).
const BARCODE = /(^|[_:.\-])[ACGTN]{8,}(-\d+)?$/;
const SPOT_ID = /^\d+(\.\d+)?x\d+(\.\d+)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CELL_INDEX = /^(cell|cells|spot|spots|bead|beads|obs|barcode|nucleus|object)[_\-.]?\d+$/i;
const INTEGER = /^\d+$/;
const ENSEMBL = /^ENS[A-Z]*G\d{6,}(\.\d+)?$/;
// Gene symbols: letters/digits with `.`/`-` separators (Gad2, 0610007N19Rik, HLA-DR, mt-Co1);
// also matches short custom names (`c1`), which is why this kind is weak evidence only.
const SYMBOL = /^[A-Za-z0-9][A-Za-z0-9]*([.\-][A-Za-z0-9]+)*$/;

/** Classifies one name. */
export function nameKind(name: string): NameKind {
  const s = name.trim();
  if (s === '') return 'other';
  if (UUID.test(s)) return 'uuid';
  if (BARCODE.test(s)) return 'barcode';
  if (SPOT_ID.test(s)) return 'spot-id';
  if (INTEGER.test(s)) return 'integer';
  if (CELL_INDEX.test(s)) return 'cell-index';
  if (ENSEMBL.test(s)) return 'ensembl';
  if (SYMBOL.test(s) && /[A-Za-z]/.test(s) && s.length <= 24) return 'symbol';
  return 'other';
}

/** Share of each kind among up to `limit` names spread over the list. */
export function nameProfile(names: readonly string[], limit = 2000): { n: number; counts: Map<NameKind, number>; top: NameKind; share: number; example: string } {
  const counts = new Map<NameKind, number>();
  const n = names.length;
  const step = n > limit ? n / limit : 1;
  let seen = 0;
  const example = new Map<NameKind, string>();
  for (let t = 0; t < n; t += step) {
    const s = names[Math.floor(t)];
    const k = nameKind(s);
    counts.set(k, (counts.get(k) ?? 0) + 1);
    if (!example.has(k)) example.set(k, s);
    seen++;
  }
  let top: NameKind = 'other';
  let best = -1;
  for (const [k, c] of counts) if (c > best) (best = c), (top = k);
  return { n: seen, counts, top, share: seen > 0 ? best / seen : 0, example: example.get(top) ?? '' };
}

/** How strongly a set of names says "observations" (positive) or "features" (negative), with why. */
function namesVote(names: readonly string[]): { obs: number; vars: number; what: string } | undefined {
  if (names.length === 0) return undefined;
  const p = nameProfile(names);
  const obsShare = [...OBS_KINDS].reduce((s, k) => s + (p.counts.get(k) ?? 0), 0) / p.n;
  const ens = (p.counts.get('ensembl') ?? 0) / p.n;
  const sym = (p.counts.get('symbol') ?? 0) / p.n + ens;
  const specific = ((p.counts.get('barcode') ?? 0) + (p.counts.get('spot-id') ?? 0) + (p.counts.get('uuid') ?? 0)) / p.n;
  if (specific >= 0.8) return { obs: 3, vars: 0, what: `look like ${describeKind(p.top)} (e.g. ${JSON.stringify(p.example)})` };
  if (ens >= 0.8) return { obs: 0, vars: 3, what: `look like Ensembl gene ids (e.g. ${JSON.stringify(p.example)})` };
  if (obsShare >= 0.8) return { obs: 2, vars: 0, what: `look like cell ids (${describeKind(p.top)}, e.g. ${JSON.stringify(p.example)})` };
  // A panel of many distinct gene symbols is moderate evidence; a handful of short names is not.
  if (sym >= 0.8) return { obs: 0, vars: names.length >= 20 ? 2 : 1, what: `look like gene symbols (e.g. ${JSON.stringify(p.example)})` };
  return undefined;
}

function describeKind(k: NameKind): string {
  switch (k) {
    case 'barcode':
      return 'barcodes';
    case 'spot-id':
      return 'ST spot ids';
    case 'uuid':
      return 'UUID cell ids';
    case 'cell-index':
      return 'numbered cell names';
    case 'integer':
      return 'integer ids';
    case 'ensembl':
      return 'Ensembl ids';
    case 'symbol':
      return 'gene symbols';
    default:
      return 'names';
  }
}

/** Header texts of an id column that say the rows are observations (pandas, R, Seurat, 10x exports). */
export const OBS_ID_HEADER = /^(cell|cells|cell_?id|cellid|cell_ids|cell_name|barcode|barcodes|spot|spots|spot_?id|bead|beads|obs|obs_names|index_obs|object|object_?id|entityid|nucleus_?id)$/i;
/** Header texts of an id column that say the rows are features. */
export const VAR_ID_HEADER = /^(gene|genes|gene_?id|geneid|gene_?name|gene_?symbol|symbol|feature|features|feature_?id|feature_?name|var_names|target|marker|protein|accession)$/i;

/** The evidence about a delimited matrix (and what it is joined to). */
export interface OrientationEvidence {
  /** Labels of the first column (one per row), when there is a label column. */
  rowNames?: readonly string[];
  /** Header names of the value columns, when there is a header. */
  colNames?: readonly string[];
  nRows: number;
  nCols: number;
  /** Header text of the label column (`''` for an empty corner); undefined without one. */
  idHeader?: string;
  /** Observation ids of a positions / metadata table meant to join this matrix. */
  obsIds?: readonly string[];
  /** Name of that table, for the reasons. */
  obsIdsFrom?: string;
  /** Rows of an unlabelled positions table (joined by order). */
  obsCount?: number;
  /** Column headers recognised as observation attributes (x/y, in_tissue, ...). */
  obsAttributeColumns?: readonly string[];
  /** Feature names of another input (siid / multiomics), matched against both sides. */
  otherFeatures?: readonly string[];
}

/** The decision and what it rests on. */
export interface OrientationDecision {
  /** Undefined when the evidence is weak or contradictory. */
  orientation: Orientation | undefined;
  confidence: 'strong' | 'moderate' | 'weak' | 'contradictory';
  /** One entry per piece of evidence, e.g. `row names look like gene symbols (e.g. "Gad2") -> var-rows`. */
  reasons: string[];
}

/**
 * Decides the orientation of a matrix from {@link OrientationEvidence}. Shape alone never
 * decides (36,602 cells x 248 genes and 15,928 genes x 262 spots are both "tall"), but it is
 * reported.
 */
export function decideOrientation(e: OrientationEvidence): OrientationDecision {
  const reasons: string[] = [];
  let obs = 0; // strongest vote for obs-rows
  let vars = 0; // strongest vote for var-rows
  const vote = (o: number, v: number, why: string) => {
    if (o > obs) obs = o;
    if (v > vars) vars = v;
    reasons.push(`${why} -> ${o > v ? 'obs-rows' : 'var-rows'}`);
  };
  if (e.idHeader !== undefined && e.idHeader !== '') {
    if (OBS_ID_HEADER.test(e.idHeader.trim())) vote(3, 0, `id column is named ${JSON.stringify(e.idHeader)}`);
    else if (VAR_ID_HEADER.test(e.idHeader.trim())) vote(0, 3, `id column is named ${JSON.stringify(e.idHeader)}`);
  }
  if (e.obsAttributeColumns && e.obsAttributeColumns.length > 0) {
    vote(3, 0, `columns ${e.obsAttributeColumns.map((c) => JSON.stringify(c)).join(', ')} are per-observation attributes`);
  }
  const r = e.rowNames ? namesVote(e.rowNames) : undefined;
  if (r) vote(r.obs, r.vars, `row names ${r.what}`);
  const c = e.colNames ? namesVote(e.colNames) : undefined;
  if (c) vote(c.vars, c.obs, `column names ${c.what}`);
  const from = e.obsIdsFrom ? ` of ${e.obsIdsFrom}` : '';
  if (e.obsIds && e.obsIds.length > 0) {
    const ids = new Set(e.obsIds);
    const hitR = e.rowNames ? e.rowNames.filter((s) => ids.has(s)).length : 0;
    const hitC = e.colNames ? e.colNames.filter((s) => ids.has(s)).length : 0;
    if (hitR > hitC && hitR >= 0.5 * Math.min(ids.size, e.nRows)) vote(3, 0, `${hitR} of ${e.nRows} row names are ids${from}`);
    else if (hitC > hitR && hitC >= 0.5 * Math.min(ids.size, e.nCols)) vote(0, 3, `${hitC} of ${e.nCols} column names are ids${from}`);
    else if (hitR + hitC > 0) reasons.push(`ids${from} match ${hitR} row and ${hitC} column names (too few to decide)`);
  } else if (e.obsCount !== undefined) {
    if (e.obsCount === e.nRows && e.obsCount !== e.nCols) vote(2, 0, `the unlabelled positions table${from} has ${e.obsCount} rows = matrix rows`);
    else if (e.obsCount === e.nCols && e.obsCount !== e.nRows) vote(0, 2, `the unlabelled positions table${from} has ${e.obsCount} rows = matrix columns`);
  }
  if (e.otherFeatures && e.otherFeatures.length > 0) {
    const f = new Set(e.otherFeatures);
    const hitR = e.rowNames ? e.rowNames.filter((s) => f.has(s)).length : 0;
    const hitC = e.colNames ? e.colNames.filter((s) => f.has(s)).length : 0;
    if (hitC > hitR && hitC >= 3) vote(2, 0, `${hitC} column names are features of the other input`);
    else if (hitR > hitC && hitR >= 3) vote(0, 2, `${hitR} row names are features of the other input`);
  }
  reasons.push(`shape ${e.nRows} rows x ${e.nCols} columns`);
  let orientation: Orientation | undefined;
  let confidence: OrientationDecision['confidence'];
  if (obs >= 3 && vars >= 3) confidence = 'contradictory';
  else if (obs >= 2 && obs > vars) {
    orientation = 'obs-rows';
    confidence = obs >= 3 ? 'strong' : 'moderate';
  } else if (vars >= 2 && vars > obs) {
    orientation = 'var-rows';
    confidence = vars >= 3 ? 'strong' : 'moderate';
  } else if (obs >= 2 && vars >= 2) confidence = 'contradictory';
  else confidence = 'weak';
  return { orientation, confidence, reasons };
}

/**
 * True when a list of "feature" names looks like observation ids (barcodes, spot ids, UUIDs,
 * numbered cells: at least 80 % of them), i.e. the matrix they came from is probably transposed.
 * Returns the reason (`its 'genes' look like barcodes (e.g. "P60HippoRep6P2_GACTTGAAATGC")`)
 * or undefined, for two-input commands to say "the cell matrix looks transposed (...)".
 */
export function looksTransposed(featureNames: readonly string[]): string | undefined {
  // Plain numbers are AnnData's default var_names ('0', '1', …) as often as cell ids: no evidence here.
  if (featureNames.length > 0 && nameProfile(featureNames).top === 'integer') return undefined;
  const v = namesVote(featureNames);
  if (!v || v.obs < 2) return undefined;
  return `its 'genes' ${v.what}`;
}
