// Entry point of the stnmf kernel module: every export is a kernel the JS backend
// (src/linalg/wasm/) calls with byte pointers into the shared linear memory.
export { denseXBt, denseAtX, gramPart, muApply, colSums, sumSquares, scaleCols, scaleRows, addParts, nzRatios, heapBase } from './dense';
export { spmm, denseAB, spmmTPart, sddmm, ratioSpmm, ratioSpmmTPart, nzLoss, halsSweep } from './sparse.gen';
export { ratioPass64 } from './ratio64.gen';
