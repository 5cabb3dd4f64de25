/**
 * Lengths on spatial figures in the unit that is true: coordinates in µm are labelled µm;
 * pixel (or other) coordinates with a known µm-per-unit are converted and labelled µm; pixel
 * coordinates without a scale are labelled px; coordinates of unknown unit are labelled
 * "units" — never µm, which would claim a scale nobody gave.
 */
import { formatNumber, niceBelow, type Prim, textWidth } from './scene.js';
import { INK, type Box } from './frame.js';

/** How to label lengths of a coordinate system. */
export interface LengthUnit {
  /** Label printed after a length: `µm`, `px` or `units`. */
  label: string;
  /** The labelled unit per coordinate unit (µm per pixel when converted, else 1). */
  perUnit: number;
}

/**
 * The label and conversion of lengths for coordinates in `unit` with `micronsPerUnit` µm per
 * coordinate unit (undefined = not known). `unit` undefined is taken as µm, the unit of every
 * imaging-platform reader (Xenium, MERSCOPE, CosMx after conversion) and of stnmf's results.
 */
export function lengthUnit(unit: string | undefined, micronsPerUnit?: number): LengthUnit {
  if (unit === undefined || unit === 'um' || unit === 'µm') return { label: 'µm', perUnit: 1 };
  if (micronsPerUnit !== undefined && micronsPerUnit > 0 && Number.isFinite(micronsPerUnit)) return { label: 'µm', perUnit: micronsPerUnit };
  if (unit === 'px' || unit === 'px_fullres') return { label: 'px', perUnit: 1 };
  return { label: 'units', perUnit: 1 };
}

/** A drawn scale bar: its length in the labelled unit and its length in scene pixels. */
export interface ScaleBarInfo {
  length: number;
  unit: string;
  pixels: number;
}

/**
 * A scale bar of a round length (about a fifth of `box`) in its bottom-left corner, for a map
 * drawn at `coordPerPx` coordinate units per scene pixel. The bar rect is tagged
 * `scale-bar` (see {@link Prim}) so tests read its length back.
 */
export function scaleBar(prims: Prim[], box: Box, coordPerPx: number, unit: LengthUnit, fontSize: number): ScaleBarInfo {
  const unitsPerPx = coordPerPx * unit.perUnit;
  const len = niceBelow(box.w * 0.22 * unitsPerPx);
  const lenPx = len / unitsPerPx;
  const x0 = box.x + 10;
  const y0 = box.y + box.h - 8;
  const label = `${formatNumber(len)} ${unit.label}`;
  const lw = Math.max(lenPx, textWidth(label, fontSize)) + 8;
  // A translucent white backing keeps the bar readable over dense tissue.
  prims.push({ t: 'rect', x: x0 + lenPx / 2 - lw / 2, y: y0 - 6 - fontSize * 1.5, w: lw, h: fontSize * 1.5 + 9, fill: '#ffffff', opacity: 0.8 });
  prims.push({ t: 'rect', x: x0, y: y0 - 3, w: lenPx, h: 3, fill: INK, role: 'scale-bar', label });
  prims.push({ t: 'text', x: x0 + lenPx / 2, y: y0 - 3 - fontSize * 0.8, text: label, size: fontSize, anchor: 'middle', fill: INK });
  return { length: len, unit: unit.label, pixels: lenPx };
}

/** An on-screen scale bar: its round length, the label to print and its width in CSS pixels. */
export interface ScreenScaleBar {
  length: number;
  label: string;
  pixels: number;
}

/**
 * The scale bar of an interactive map (the viewer's and the app's) drawn at `pxPerCoord` screen
 * pixels per coordinate unit: the longest round length (1/2/5 × 10^k in the labelled unit)
 * that fits in `maxPx` pixels, in the unit that is true ({@link lengthUnit}).
 */
export function screenScaleBar(pxPerCoord: number, unit: LengthUnit, maxPx = 120): ScreenScaleBar {
  const length = niceBelow((maxPx / pxPerCoord) * unit.perUnit);
  return { length, label: `${formatNumber(length)} ${unit.label}`, pixels: (length / unit.perUnit) * pxPerCoord };
}
