/**
 * The allocator over the backend's one `WebAssembly.Memory`. Kernels receive byte addresses;
 * this module hands them out. It runs on the calling thread only (workers never allocate).
 *
 * - Blocks are 64-byte aligned and padded by at least 64 bytes, because the kernels load whole
 *   vectors past the end of rows whose length is not a multiple of 4 (the padding keeps those
 *   loads inside memory; the extra lanes are masked or never stored).
 * - First fit over an address-ordered free list with coalescing, then a bump pointer; memory
 *   grows on demand up to the module's maximum (4 GiB).
 * - With shared memory, growing never detaches earlier `SharedArrayBuffer`s, so views handed
 *   out stay valid. With unshared memory (pages without cross-origin isolation) growth would
 *   detach them, so the backend never hands out views there and uses this heap for scratch only.
 */
import { StnmfError } from '../../errors.js';

const ALIGN = 64;
const PAD = 64;
const PAGE = 65536;

/** Byte-address allocator over a wasm memory. */
export class WasmHeap {
  private top: number;
  private readonly freeList: { off: number; size: number }[] = [];
  private readonly sizes = new Map<number, number>();
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private readonly maxBytes: number;

  /**
   * @param memory the module's memory
   * @param base first address the heap may use (after the module's static data)
   * @param maxPages the memory's declared maximum, in 64 KiB pages
   */
  constructor(readonly memory: WebAssembly.Memory, base: number, maxPages: number) {
    this.top = roundUp(base, ALIGN);
    this.maxBytes = maxPages * PAGE;
  }

  /**
   * A block of at least `bytes` bytes; returns its address. Zero-filled unless `zero` is false
   * (for blocks the caller overwrites at once, such as copies of input arrays).
   */
  alloc(bytes: number, zero = true): number {
    const size = roundUp(Math.max(0, bytes) + PAD, ALIGN);
    for (let b = 0; b < this.freeList.length; b++) {
      const blk = this.freeList[b];
      if (blk.size < size) continue;
      const off = blk.off;
      if (blk.size === size) this.freeList.splice(b, 1);
      else {
        blk.off += size;
        blk.size -= size;
      }
      this.sizes.set(off, size);
      if (zero) new Uint8Array(this.buffer(), off, size).fill(0);
      return off;
    }
    const off = this.top;
    const end = off + size;
    if (end > this.maxBytes) {
      throw new StnmfError(
        'BAD_INPUT',
        `wasm kernels: allocating ${bytes} bytes would exceed the 4 GiB WebAssembly memory (in use: ${this.top} bytes); process the data in row blocks`,
      );
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      // Grow by at least a quarter of the current size so repeated small growths stay rare.
      const needPages = Math.ceil((end - have) / PAGE);
      const maxPages = Math.floor(this.maxBytes / PAGE) - have / PAGE;
      const pages = Math.min(maxPages, Math.max(needPages, Math.ceil(have / PAGE / 4)));
      this.memory.grow(pages);
    }
    this.top = end;
    this.sizes.set(off, size);
    // Fresh memory is zero, but a block below the old top may hold data of a freed block that
    // was merged back into the bump region.
    if (zero) new Uint8Array(this.buffer(), off, size).fill(0);
    return off;
  }

  /** Returns a block from `alloc`; unknown addresses are ignored. */
  release(off: number): void {
    const size = this.sizes.get(off);
    if (size === undefined) return;
    this.sizes.delete(off);
    const fl = this.freeList;
    let lo = 0, hi = fl.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (fl[mid].off < off) lo = mid + 1;
      else hi = mid;
    }
    fl.splice(lo, 0, { off, size });
    // Coalesce with the next and the previous free block.
    if (lo + 1 < fl.length && fl[lo].off + fl[lo].size === fl[lo + 1].off) {
      fl[lo].size += fl[lo + 1].size;
      fl.splice(lo + 1, 1);
    }
    if (lo > 0 && fl[lo - 1].off + fl[lo - 1].size === fl[lo].off) {
      fl[lo - 1].size += fl[lo].size;
      fl.splice(lo, 1);
      lo--;
    }
    // A free block touching the bump pointer goes back to the bump region.
    if (fl[lo].off + fl[lo].size === this.top) {
      this.top = fl[lo].off;
      fl.splice(lo, 1);
    }
  }

  /** The memory's current buffer, remembered so views on it are recognised as heap views. */
  buffer(): ArrayBuffer {
    const b = this.memory.buffer;
    this.buffers.add(b);
    return b;
  }

  /** Whether `a` is a view into this memory (then `a.byteOffset` is its address). */
  owns(a: ArrayBufferView): boolean {
    return this.buffers.has(a.buffer);
  }

  f32(off: number, length: number): Float32Array {
    return new Float32Array(this.buffer(), off, length);
  }

  i32(off: number, length: number): Int32Array {
    return new Int32Array(this.buffer(), off, length);
  }

  f64(off: number, length: number): Float64Array {
    return new Float64Array(this.buffer(), off, length);
  }
}

function roundUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}
