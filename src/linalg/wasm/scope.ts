/**
 * Per-call bookkeeping of the WebAssembly kernels (src/linalg/wasm/backend.ts): where each
 * operand lives in the wasm memory. Arrays that are views into the memory are used in place;
 * any other array is copied in (and, for outputs, back out when the call succeeds), and every
 * temporary block is released when the call ends.
 */
import type { WasmHeap } from './heap.js';

type F32 = Float32Array;
type I32 = Int32Array;

/** Per-call bookkeeping: temporary copies of foreign arrays and the outputs to copy back. */
export class Scope {
  private readonly temps: number[] = [];
  private readonly back: { ptr: number; dst: F32 }[] = [];
  constructor(private readonly heap: WasmHeap, private readonly useViews: boolean) {}

  private foreign(a: F32 | I32): boolean {
    return !this.useViews || !this.heap.owns(a);
  }

  /** Address of an input array, copying it in when it is not a view into the memory. */
  in(a: F32 | I32): number {
    if (!this.foreign(a)) return a.byteOffset;
    const p = this.heap.alloc(a.byteLength, false);
    this.temps.push(p);
    new Uint8Array(this.heap.buffer(), p, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return p;
  }

  /** Address of an output array (written before `close` copies it back when foreign). */
  out(a: F32): number {
    if (!this.foreign(a)) return a.byteOffset;
    const p = this.scratch(a.byteLength);
    this.back.push({ ptr: p, dst: a });
    return p;
  }

  /** Address of an array read and written in place. */
  inout(a: F32): number {
    if (!this.foreign(a)) return a.byteOffset;
    const p = this.in(a);
    this.back.push({ ptr: p, dst: a });
    return p;
  }

  /** Frees block `p` (from `heap.alloc`) at `close`. */
  adopt(p: number): void {
    this.temps.push(p);
  }

  /** Zeroed scratch bytes freed at `close`. */
  scratch(bytes: number): number {
    const p = this.heap.alloc(bytes);
    this.temps.push(p);
    return p;
  }

  close(ok: boolean): void {
    if (ok) for (const b of this.back) b.dst.set(this.heap.f32(b.ptr, b.dst.length));
    for (const t of this.temps) this.heap.release(t);
  }
}
