/**
 * The chart builders, one concern per module: each returns a {@link Scene} that renders to SVG
 * or PNG. Sizes are in CSS pixels.
 */
export type { MatrixLike } from './frame.js';
export { legendLayout } from './colorbar.js';
export * from './charts-spatial.js';
export * from './charts-heatmap.js';
export * from './charts-bars.js';
export * from './charts-lines.js';
