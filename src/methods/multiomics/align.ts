/**
 * Alignment of the two modalities onto common observations (methods-spec M3.3): the same cells
 * by id (skill parity), mutual nearest cells within a radius (paper), or protein cells binned
 * into transcript spots when the transcript side is spot-level (Visium + CODEX).
 */
import { csrFromCoo, selectRows, type Csr } from '../../linalg/csr.js';
import { StnmfError } from '../../errors.js';
import { mapToNearest } from '../../spatial/index.js';
import { interleave } from './colocalization.js';

/** One modality as the method sees it: observations x features with ids and coordinates. */
export interface ModalityTable {
  /** Observation ids (cell or spot barcodes). */
  ids: readonly string[];
  /** Feature names (genes or proteins). */
  features: readonly string[];
  /** Raw counts or intensities, observations x features. */
  X: Csr;
  /** x coordinates (length n), or undefined when the modality has none. */
  x?: Float64Array;
  y?: Float64Array;
  /** A label for messages (`--tx file.csv`). */
  name: string;
}

/** How observations are matched (M3.3). */
export type MatchBy = 'id' | 'coordinates' | 'spots';

/** Options of {@link alignModalities}. */
export interface AlignOptions {
  /** Default `id` (skill parity, M3.3 [T]). */
  matchBy?: MatchBy;
  /** Matching radius for `coordinates`, in coordinate units; default 5 (paper, "pixels/µm"). */
  radius?: number;
  /** `drop` (default) or `padNearest` (paper: copies the nearest cell's values, i.e. invents measurements; warned). */
  unmatched?: 'drop' | 'padNearest';
  /** Spot radius for `spots`; default 27.5 (µm: Visium spots are 55 µm wide, M3.2/M3.3). */
  spotRadius?: number;
  /** Aggregation of protein cells inside a spot; default `mean` (M3.3). */
  aggregate?: 'mean' | 'sum';
}

/** Aligned observations: row i of `tx` and `prot` describe the same cell or spot. */
export interface Alignment {
  ids: string[];
  x: Float64Array;
  y: Float64Array;
  tx: Csr;
  prot: Csr;
  /** Source row in the transcript table per observation (-1 = padded). */
  txRow: Int32Array;
  /** Source row in the protein table per observation (-1 = aggregated or padded). */
  protRow: Int32Array;
  /** Number of observations matched in both modalities (without padding). */
  nMatched: number;
  warnings: string[];
}

/**
 * Aligns two modalities (M3.3).
 * @throws StnmfError('BAD_INPUT') when no observation can be matched: no shared id, no overlapping
 *   area, or no pair within the radius. Each message names both inputs and what was found.
 */
export function alignModalities(tx: ModalityTable, prot: ModalityTable, options: AlignOptions = {}): Alignment {
  const matchBy = options.matchBy ?? 'id';
  if (matchBy === 'id') return alignById(tx, prot, options);
  requireCoords(tx);
  requireCoords(prot);
  requireOverlap(tx, prot, matchBy === 'spots' ? (options.spotRadius ?? 27.5) : (options.radius ?? 5));
  if (matchBy === 'coordinates') return alignByCoordinates(tx, prot, options);
  return alignSpots(tx, prot, options);
}

function requireCoords(m: ModalityTable): void {
  if (!m.x || !m.y) throw new StnmfError('BAD_INPUT', `${m.name}: matching by coordinates needs x/y coordinates, the table has none`);
}

function bbox(x: Float64Array, y: Float64Array): [number, number, number, number] {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (x[i] < x0) x0 = x[i];
    if (x[i] > x1) x1 = x[i];
    if (y[i] < y0) y0 = y[i];
    if (y[i] > y1) y1 = y[i];
  }
  return [x0, x1, y0, y1];
}

const fmtBox = (b: number[]) => `x ${b[0].toFixed(1)}–${b[1].toFixed(1)}, y ${b[2].toFixed(1)}–${b[3].toFixed(1)}`;

function requireOverlap(tx: ModalityTable, prot: ModalityTable, margin: number): void {
  if (tx.ids.length === 0 || prot.ids.length === 0) {
    throw new StnmfError('BAD_INPUT', `${tx.ids.length === 0 ? tx.name : prot.name}: no observations`);
  }
  const a = bbox(tx.x!, tx.y!);
  const b = bbox(prot.x!, prot.y!);
  const overlap = a[0] <= b[1] + margin && b[0] <= a[1] + margin && a[2] <= b[3] + margin && b[2] <= a[3] + margin;
  if (!overlap) {
    throw new StnmfError(
      'BAD_INPUT',
      `${tx.name} and ${prot.name}: the two modalities cover no common area (transcripts ${fmtBox(a)}; proteins ${fmtBox(b)}); check that both use the same coordinate frame and unit`,
    );
  }
}

function alignById(tx: ModalityTable, prot: ModalityTable, options: AlignOptions): Alignment {
  const protIndex = new Map<string, number>();
  prot.ids.forEach((id, j) => {
    if (!protIndex.has(id)) protIndex.set(id, j);
  });
  const txRows: number[] = [];
  const protRows: number[] = [];
  tx.ids.forEach((id, i) => {
    const j = protIndex.get(id);
    if (j !== undefined) {
      txRows.push(i);
      protRows.push(j);
    }
  });
  if (txRows.length === 0) {
    const ex = (ids: readonly string[]) => ids.slice(0, 3).map((s) => `'${s}'`).join(', ');
    throw new StnmfError(
      'BAD_INPUT',
      `${tx.name} and ${prot.name}: no cell id appears in both (transcript ids ${ex(tx.ids)}…; protein ids ${ex(prot.ids)}…); match by coordinates instead (--match coordinates)`,
    );
  }
  const warnings: string[] = [];
  const dropTx = tx.ids.length - txRows.length;
  const dropProt = prot.ids.length - protRows.length;
  if (dropTx || dropProt) {
    warnings.push(`alignment by id: ${txRows.length} shared cells; dropped ${dropTx} transcript-only and ${dropProt} protein-only cells`);
  }
  if (options.unmatched === 'padNearest') warnings.push('alignment by id: padNearest applies to coordinate matching only; unmatched cells were dropped');
  const x = new Float64Array(txRows.length);
  const y = new Float64Array(txRows.length);
  const srcX = tx.x ?? prot.x;
  const srcY = tx.y ?? prot.y;
  const rowsForXY = tx.x ? txRows : protRows;
  if (srcX && srcY) {
    rowsForXY.forEach((r, i) => {
      x[i] = srcX[r];
      y[i] = srcY[r];
    });
  } else {
    x.fill(NaN);
    y.fill(NaN);
  }
  return {
    ids: txRows.map((i) => tx.ids[i]),
    x,
    y,
    tx: selectRows(tx.X, txRows),
    prot: selectRows(prot.X, protRows),
    txRow: Int32Array.from(txRows),
    protRow: Int32Array.from(protRows),
    nMatched: txRows.length,
    warnings,
  };
}

function alignByCoordinates(tx: ModalityTable, prot: ModalityTable, options: AlignOptions): Alignment {
  const r = options.radius ?? 5;
  if (!(r > 0)) throw new StnmfError('BAD_OPTION', `alignment radius: expected a number > 0, got ${r}`);
  const t2p = mapToNearest(pointsOf(tx), pointsOf(prot), r);
  const p2t = mapToNearest(pointsOf(prot), pointsOf(tx), r);
  const txRows: number[] = [];
  const protRows: number[] = [];
  for (let i = 0; i < tx.ids.length; i++) {
    const j = t2p.target[i];
    if (j >= 0 && p2t.target[j] === i) {
      txRows.push(i);
      protRows.push(j);
    }
  }
  const nMatched = txRows.length;
  const warnings: string[] = [];
  if (options.unmatched === 'padNearest') {
    const matchedTx = new Uint8Array(tx.ids.length);
    const matchedProt = new Uint8Array(prot.ids.length);
    txRows.forEach((i) => (matchedTx[i] = 1));
    protRows.forEach((j) => (matchedProt[j] = 1));
    const far = 1e300;
    const tAll = mapToNearest(pointsOf(tx), pointsOf(prot), far);
    const pAll = mapToNearest(pointsOf(prot), pointsOf(tx), far);
    let padT = 0, padP = 0;
    for (let i = 0; i < tx.ids.length; i++) {
      if (!matchedTx[i]) {
        txRows.push(i);
        protRows.push(tAll.target[i]);
        padT++;
      }
    }
    const padded: { prot: number; tx: number }[] = [];
    for (let j = 0; j < prot.ids.length; j++) if (!matchedProt[j]) padded.push({ prot: j, tx: pAll.target[j] }), padP++;
    warnings.push(
      `alignment padNearest: ${padT} transcript cells got copied protein values and ${padP} protein cells got copied transcript values from their nearest cell (invented measurements; paper behaviour)`,
    );
    if (nMatched + padT + padP === 0) throw noMatch(tx, prot, r);
    const ids = txRows.map((i) => tx.ids[i]).concat(padded.map((p) => prot.ids[p.prot]));
    const x = Float64Array.from([...txRows.map((i) => tx.x![i]), ...padded.map((p) => prot.x![p.prot])]);
    const y = Float64Array.from([...txRows.map((i) => tx.y![i]), ...padded.map((p) => prot.y![p.prot])]);
    return {
      ids,
      x,
      y,
      tx: selectRows(tx.X, [...txRows, ...padded.map((p) => p.tx)]),
      prot: selectRows(prot.X, [...protRows, ...padded.map((p) => p.prot)]),
      txRow: Int32Array.from([...txRows, ...padded.map(() => -1)]),
      protRow: Int32Array.from([...protRows.map((j, q) => (q < nMatched ? j : -1)), ...padded.map((p) => p.prot)]),
      nMatched,
      warnings,
    };
  }
  if (nMatched === 0) throw noMatch(tx, prot, r);
  warnings.push(
    `alignment by coordinates (radius ${r}): ${nMatched} mutual nearest pairs; dropped ${tx.ids.length - nMatched} transcript and ${prot.ids.length - nMatched} protein cells`,
  );
  return {
    ids: txRows.map((i) => tx.ids[i]),
    x: Float64Array.from(txRows, (i) => tx.x![i]),
    y: Float64Array.from(txRows, (i) => tx.y![i]),
    tx: selectRows(tx.X, txRows),
    prot: selectRows(prot.X, protRows),
    txRow: Int32Array.from(txRows),
    protRow: Int32Array.from(protRows),
    nMatched,
    warnings,
  };
}

/** Flat `[x0, y0, x1, y1, …]` of a modality whose coordinates exist (checked by the caller) and must be finite. */
function pointsOf(t: ModalityTable): Float64Array {
  for (let i = 0; i < t.ids.length; i++) {
    if (!Number.isFinite(t.x![i]) || !Number.isFinite(t.y![i])) {
      throw new StnmfError('BAD_INPUT', `${t.name}: observation '${t.ids[i]}' has no finite x/y coordinates (x=${t.x![i]}, y=${t.y![i]})`);
    }
  }
  return interleave(t.x!, t.y!);
}

function noMatch(tx: ModalityTable, prot: ModalityTable, r: number): StnmfError {
  return new StnmfError(
    'BAD_INPUT',
    `${tx.name} and ${prot.name}: no transcript cell has a protein cell within the alignment radius ${r}; check the coordinate units or raise the radius`,
  );
}

function alignSpots(tx: ModalityTable, prot: ModalityTable, options: AlignOptions): Alignment {
  const r = options.spotRadius ?? 27.5;
  if (!(r > 0)) throw new StnmfError('BAD_OPTION', `spot radius: expected a number > 0, got ${r}`);
  const mean = (options.aggregate ?? 'mean') === 'mean';
  // Each protein cell goes to the nearest spot centre within the spot radius.
  const map = mapToNearest(pointsOf(prot), pointsOf(tx), r);
  const nSpots = tx.ids.length;
  const members = new Int32Array(nSpots);
  for (let j = 0; j < map.target.length; j++) if (map.target[j] >= 0) members[map.target[j]]++;
  const spots: number[] = [];
  const newRow = new Int32Array(nSpots).fill(-1);
  for (let s = 0; s < nSpots; s++) if (members[s] > 0) (newRow[s] = spots.length), spots.push(s);
  if (spots.length === 0) {
    throw new StnmfError(
      'BAD_INPUT',
      `${tx.name} and ${prot.name}: no protein cell lies inside a spot (radius ${r}); check the coordinate units`,
    );
  }
  const ri: number[] = [];
  const ci: number[] = [];
  const vals: number[] = [];
  for (let j = 0; j < map.target.length; j++) {
    const s = map.target[j];
    if (s < 0) continue;
    const w = mean ? 1 / members[s] : 1;
    for (let p = prot.X.indptr[j]; p < prot.X.indptr[j + 1]; p++) {
      ri.push(newRow[s]);
      ci.push(prot.X.indices[p]);
      vals.push(prot.X.data[p] * w);
    }
  }
  const inSpots = map.target.reduce((c, t) => c + (t >= 0 ? 1 : 0), 0);
  return {
    ids: spots.map((s) => tx.ids[s]),
    x: Float64Array.from(spots, (s) => tx.x![s]),
    y: Float64Array.from(spots, (s) => tx.y![s]),
    tx: selectRows(tx.X, spots),
    prot: csrFromCoo(spots.length, prot.X.cols, ri, ci, vals),
    txRow: Int32Array.from(spots),
    protRow: new Int32Array(spots.length).fill(-1),
    nMatched: spots.length,
    warnings: [
      `alignment by spots (radius ${r}, ${mean ? 'mean' : 'sum'}): ${inSpots} of ${prot.ids.length} protein cells fell in ${spots.length} of ${nSpots} spots; spots without protein cells were dropped`,
    ],
  };
}
