/**
 * `stnmf/io`, the package face of io: every reader and writer of `./index.ts`, plus reading a
 * finished result folder back (`readResult`) and writing in-memory file trees (`writeStore`).
 * Kept apart from `./index.ts` because `result.ts` builds on the readers there.
 */
export * from './index.js';
export { readResult, asResult, requireCoordinates, FACTOR_KEYS, LOADING_KEYS, type LoadOptions, type ResultDataset, type ResultParts, type ResultFolder, type SpotLayout, type CategoryColumn, type ExpressionByFeature, type ImputedLayer } from './result.js';
export { writeStore } from './store.js';
export type { ReaderOptions, SelectionOptions, InputOptions, Orientation, Normalization, SelectionStep } from './input-options.js';
export { readSamples, readSampleManifest, parseSampleManifest, concatSamples, useSampleKey, SAMPLE_COLUMN, type SampleEntry, type SamplePart, type SampleRecord, type SamplesRead } from './samples.js';
