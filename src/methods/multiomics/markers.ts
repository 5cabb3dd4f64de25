/**
 * Marker tables (reference cell types and their marker features) for factor annotation
 * (methods-spec M3.5): parsing from CSV text and matching against the features of the two
 * modalities, with the unmatched names reported (M3.5 correction: the skill's marker names never
 * matched its feature names, silently).
 */
import { markerBaseName } from '../../dataset.js';
import { StnmfError } from '../../errors.js';

/** Which modality a marker belongs to; `any` = match against both feature lists. */
export type MarkerModality = 'transcript' | 'protein' | 'any';

/** Reference cell types with their marker feature names, in reference order (ties go to the first). */
export interface MarkerTable {
  types: string[];
  /** `markers[t]` = marker entries of type t. */
  markers: { feature: string; modality: MarkerModality }[][];
}

/** A marker table resolved against the data: column indices per type and modality. */
export interface ResolvedMarkers {
  types: string[];
  /** Transcript column indices (into the transcript feature list) per type. */
  genes: Int32Array[];
  /** Protein column indices (into the protein feature list) per type. */
  proteins: Int32Array[];
  /** Marker names found in neither modality, `type: feature`. */
  missing: string[];
}

import { parseCsvText } from '../../csv-text.js';

export { parseCsvText };

const TYPE_COLS = ['cell_type', 'celltype', 'type', 'cell type'];
const FEATURE_COLS = ['feature', 'marker', 'gene', 'protein', 'marker_name'];

/**
 * Parses a marker table from CSV text. Two layouts are accepted:
 * - long: columns `cell_type` and `feature` (or `marker`/`gene`), optional `modality`
 *   (`transcript`|`gene`|`rna` or `protein`|`prot`); one row per (type, marker);
 * - wide (CELESTA `prior_marker_info.csv` style): first column = type name, one column per
 *   feature, value `1` = marker of that type (`0`, `NA` or empty = not a marker). Columns whose
 *   values are not all 0/1/NA (e.g. `Lineage_level`) are ignored.
 * @param source file name for error messages
 * @throws StnmfError('BAD_FILE') when no type has a marker.
 */
export function parseMarkerTable(text: string, source = 'markers'): MarkerTable {
  const rows = parseCsvText(text);
  if (rows.length < 2) throw new StnmfError('BAD_FILE', `${source}: expected a header and at least one row, found ${rows.length} line(s)`);
  const header = rows[0].map((h) => h.trim());
  const lower = header.map((h) => h.toLowerCase());
  const tCol = lower.findIndex((h) => TYPE_COLS.includes(h));
  const fCol = lower.findIndex((h) => FEATURE_COLS.includes(h));
  const types: string[] = [];
  const markers: MarkerTable['markers'] = [];
  const typeIndex = new Map<string, number>();
  const addType = (t: string): number => {
    let k = typeIndex.get(t);
    if (k === undefined) {
      k = types.length;
      typeIndex.set(t, k);
      types.push(t);
      markers.push([]);
    }
    return k;
  };
  if (tCol >= 0 && fCol >= 0) {
    const mCol = lower.indexOf('modality');
    for (let r = 1; r < rows.length; r++) {
      const t = (rows[r][tCol] ?? '').trim();
      const f = (rows[r][fCol] ?? '').trim();
      if (!t || !f) continue;
      let modality: MarkerModality = 'any';
      if (mCol >= 0) {
        const m = (rows[r][mCol] ?? '').trim().toLowerCase();
        if (['transcript', 'gene', 'rna', 'tx'].includes(m)) modality = 'transcript';
        else if (['protein', 'prot', 'adt'].includes(m)) modality = 'protein';
        else if (m !== '' && m !== 'any') {
          throw new StnmfError('BAD_FILE', `${source}: row ${r + 1}, column modality: expected transcript or protein, found '${m}'`);
        }
      }
      const k = addType(t);
      if (!markers[k].some((e) => e.feature === f && e.modality === modality)) markers[k].push({ feature: f, modality });
    }
  } else {
    const isFlag = (v: string) => ['', '0', '1', 'na', 'nan', '1.0', '0.0'].includes(v.trim().toLowerCase());
    const featureCols: number[] = [];
    for (let c = 1; c < header.length; c++) {
      let ok = true;
      for (let r = 1; r < rows.length && ok; r++) ok = isFlag(rows[r][c] ?? '');
      if (ok) featureCols.push(c);
    }
    for (let r = 1; r < rows.length; r++) {
      const t = (rows[r][0] ?? '').trim();
      if (!t) continue;
      const k = addType(t);
      for (const c of featureCols) {
        if (Number(rows[r][c]) === 1) markers[k].push({ feature: header[c], modality: 'any' });
      }
    }
  }
  if (!markers.some((m) => m.length > 0)) {
    throw new StnmfError(
      'BAD_FILE',
      `${source}: found no markers; expected columns cell_type,feature[,modality] or a type x feature 0/1 table, found header '${header.join(',')}'`,
    );
  }
  return { types, markers };
}

/**
 * Matches marker names against the two feature lists: exact name first, then case-insensitive,
 * then the bare marker name of a decorated header (`CD31 - vasculature:Cyc_19_ch_3` → `CD31`,
 * the name the CODEX reader gives the feature).
 * A marker with modality `any` may match a gene and a protein. Names found nowhere are returned in
 * `missing` (the caller warns with the list).
 */
export function resolveMarkers(table: MarkerTable, txFeatures: readonly string[], protFeatures: readonly string[]): ResolvedMarkers {
  const lookup = (names: readonly string[]) => {
    const exact = new Map<string, number>();
    const ci = new Map<string, number>();
    names.forEach((n, j) => {
      if (!exact.has(n)) exact.set(n, j);
      const l = n.toLowerCase();
      if (!ci.has(l)) ci.set(l, j);
    });
    return (f: string) => exact.get(f) ?? ci.get(f.toLowerCase()) ?? ci.get(markerBaseName(f).toLowerCase());
  };
  const inTx = lookup(txFeatures);
  const inProt = lookup(protFeatures);
  const genes: Int32Array[] = [];
  const proteins: Int32Array[] = [];
  const missing: string[] = [];
  table.types.forEach((t, k) => {
    const g = new Set<number>();
    const p = new Set<number>();
    for (const { feature, modality } of table.markers[k]) {
      const gj = modality !== 'protein' ? inTx(feature) : undefined;
      const pj = modality !== 'transcript' ? inProt(feature) : undefined;
      if (gj !== undefined) g.add(gj);
      if (pj !== undefined) p.add(pj);
      if (gj === undefined && pj === undefined) missing.push(`${t}: ${feature}`);
    }
    genes.push(Int32Array.from([...g].sort((a, b) => a - b)));
    proteins.push(Int32Array.from([...p].sort((a, b) => a - b)));
  });
  return { types: table.types.slice(), genes, proteins, missing };
}
