/**
 * The one check every radius-based step makes before it uses a distance in µm (issue 13,
 * point 6): the coordinates' scale is known, or the step stops naming the flag that sets it.
 * Core (layer 0) so that methods (SIID's mapping distance) and io/cli share it.
 */
import type { Dataset } from './dataset.js';
import { StnmfError } from './errors.js';

/**
 * µm per coordinate unit for a radius-based step, or a one-line `BAD_INPUT` error naming
 * `--microns-per-unit` and the unit found. Call it before any distance in µm is used.
 *
 * @param d       the dataset (reads `obsm.spatial`, `meta.coordinateUnit`, `meta.micronsPerUnit`)
 * @param what    the step, e.g. `hsnmf --radius`
 * @param prefix  flag prefix of this input in a two-input command (`cells-` names
 *                `--cells-microns-per-unit`; default none)
 * @returns       µm per coordinate unit (1 for µm coordinates)
 */
export function requireMicrons(d: Dataset, what: string, prefix = ''): number {
  if (!d.obsm.spatial) throw new StnmfError('BAD_INPUT', `${what} needs spatial coordinates, but ${d.meta.source} has none; give a positions table with --${prefix}coords`);
  const upm = d.meta.micronsPerUnit;
  if (upm !== undefined && upm > 0 && Number.isFinite(upm)) return upm;
  if (d.meta.coordinateUnit === 'um') return 1;
  const unit = d.meta.coordinateUnit && d.meta.coordinateUnit !== 'unknown' ? `'${d.meta.coordinateUnit}'` : 'an unknown unit';
  throw new StnmfError(
    'BAD_INPUT',
    `${what} works in µm, but the coordinates of ${d.meta.source} are in ${unit} with no known µm per unit; pass --${prefix}microns-per-unit X (µm per coordinate unit, e.g. 0.2125 for Xenium morphology pixels) or --${prefix}coordinate-unit um if they are µm`,
  );
}

