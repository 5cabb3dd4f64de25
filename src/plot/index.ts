/**
 * stnmf plots: charts as scenes rendered to SVG strings or PNG bytes (no file access here; the
 * CLI writes files), the self-contained HTML report, and the AnnData-zarr/Vitessce export.
 *
 * Layer 3: imports only lower layers and fflate; runs in Node and browsers.
 */
export * from './color.js';
export * from './scene.js';
export { sceneToSvg, escapeXml } from './svg.js';
export { rasterize, type RgbaImage, type RasterOptions } from './raster.js';
export { encodePng, crc32, type PngOptions } from './png.js';
export * from './charts.js';
export * from './colormaps.js';
export { colorBar, colorBarHeadroom, colorBarWidth, parseLimit, resolveScale, scaleColor, type ColorScale, type ColorScaleOptions, type Limit } from './colorbar.js';
export { axes, extent, logTicks, type Box } from './frame.js';
export { lengthUnit, scaleBar, screenScaleBar, type LengthUnit, type ScaleBarInfo, type ScreenScaleBar } from './units.js';
export { clusterOrder } from './cluster-order.js';
export * from './metric-glossary.js';
export { hasGlyph, SMALL_FONT_BELOW } from './raster.js';
export * from './report.js';
export * from './vitessce.js';

import { encodePng } from './png.js';
import { rasterize, type RasterOptions } from './raster.js';
import type { Scene } from './scene.js';

/** Renders a scene straight to PNG bytes (rasterize + encodePng; title stored as tEXt). */
export function sceneToPng(scene: Scene, options: RasterOptions = {}): Uint8Array {
  return encodePng(rasterize(scene, options), { title: scene.title });
}
export { topFeatures, type FactorLoadings } from './top-features.js';
export { parseCsvText } from '../csv-text.js';
