/**
 * Worker threads over the backend's shared memory (compute-notes.md §1, §6): each worker
 * instantiates the same kernel module on the same `WebAssembly.Memory` and blocks in
 * `Atomics.wait` on its slot of a control block that lives in that memory. A call writes the
 * arguments into the slots, bumps each slot's generation counter, runs its own share on the
 * calling thread, then waits on the workers' `done` counters. No message passing per call, so
 * the kernel interface stays synchronous.
 *
 * Slot layout (128 bytes per worker): i32[0] generation, i32[1] done generation, i32[2] export
 * index (-1 = exit), i32[3] status (0 ok, 1 trapped); f64[2..15] arguments, f64[2] also the
 * result.
 *
 * Node: `worker_threads`, loaded by dynamic import, workers `unref()`ed so a CLI exits without
 * calling `dispose()`. Browsers: module-free Blob workers; blocking waits need a thread where
 * `Atomics.wait` is allowed (a worker, not the page's main thread), else the backend runs on
 * one thread.
 */
export const SLOT_BYTES = 128;
export const MAX_ARGS = 14;

// The worker body, shared by Node and browsers; `init` carries the module, memory and layout.
const WORKER_BODY = `function stnmfWorker(init, post) {
  var inst;
  try {
    inst = new WebAssembly.Instance(init.module, { env: { memory: init.memory } });
  } catch (e) {
    post({ error: String(e && e.message || e) });
    return;
  }
  var fns = init.names.map(function (n) { return inst.exports[n]; });
  var base = init.ctl + init.slot * ${SLOT_BYTES};
  var i32 = new Int32Array(init.memory.buffer, base, ${SLOT_BYTES / 4});
  var f64 = new Float64Array(init.memory.buffer, base, ${SLOT_BYTES / 8});
  var seen = Atomics.load(i32, 0);
  post({ ready: true });
  for (;;) {
    Atomics.wait(i32, 0, seen);
    var g = Atomics.load(i32, 0);
    if (g === seen) continue;
    seen = g;
    var fi = i32[2];
    if (fi < 0) { Atomics.store(i32, 1, g); Atomics.notify(i32, 1); return; }
    try {
      var r = fns[fi](f64[2], f64[3], f64[4], f64[5], f64[6], f64[7], f64[8], f64[9], f64[10], f64[11], f64[12], f64[13], f64[14], f64[15]);
      f64[2] = typeof r === 'number' ? r : 0;
      i32[3] = 0;
    } catch (e) {
      i32[3] = 1;
    }
    Atomics.store(i32, 1, g);
    Atomics.notify(i32, 1);
  }
}`;

// Dynamic import works whether Node evaluates the worker as CommonJS or, when the parent ran
// with --input-type=module, as an ES module.
const NODE_SOURCE = `${WORKER_BODY}
import('node:worker_threads').then(function (wt) {
  stnmfWorker(wt.workerData, function (m) { wt.parentPort.postMessage(m); });
});`;

const BROWSER_SOURCE = `${WORKER_BODY}
self.onmessage = function (e) { self.onmessage = null; stnmfWorker(e.data, function (m) { self.postMessage(m); }); };`;

interface Handle {
  terminate(): void;
}

interface NodeWorker {
  once(ev: 'message', f: (m: { ready?: boolean; error?: string }) => void): void;
  once(ev: 'error', f: (e: Error) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}

/** Whether this thread may block in `Atomics.wait` (false on a browser page's main thread). */
export function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** `import()` of a Node builtin, hidden from bundlers that would try to resolve it for browsers. */
export async function importNode<T>(name: string): Promise<T> {
  const spec = `node:${name}`;
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ spec)) as T;
}

/** A fixed set of workers that run kernel exports on row blocks. */
export class WorkerPool {
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private gen = 0;
  private disposed = false;

  private constructor(
    private readonly handles: Handle[],
    memory: WebAssembly.Memory,
    ctl: number,
  ) {
    this.i32 = new Int32Array(memory.buffer, ctl, (handles.length * SLOT_BYTES) / 4);
    this.f64 = new Float64Array(memory.buffer, ctl, (handles.length * SLOT_BYTES) / 8);
  }

  /** Number of worker threads (the calling thread is not counted). */
  get size(): number {
    return this.handles.length;
  }

  /**
   * Starts `count` workers on `memory` (shared) with the control block at `ctl`
   * (count x 128 bytes, zeroed). `names` are the exports a call may name by index.
   */
  static async create(module: WebAssembly.Module, memory: WebAssembly.Memory, ctl: number, count: number, names: string[]): Promise<WorkerPool> {
    const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
    const handles: Handle[] = [];
    const ready: Promise<void>[] = [];
    try {
      if (isNode) {
        const wt = await importNode<{ Worker: new (src: string, o: object) => NodeWorker }>('worker_threads');
        for (let s = 0; s < count; s++) {
          const w = new wt.Worker(NODE_SOURCE, { eval: true, workerData: { module, memory, ctl, slot: s, names } });
          handles.push({ terminate: () => void w.terminate() });
          ready.push(
            new Promise<void>((resolve, reject) => {
              w.once('message', (m) => (m.ready ? resolve() : reject(new Error(`wasm worker failed to start: ${m.error}`))));
              w.once('error', reject);
            }).then(() => w.unref()),
          );
        }
      } else {
        const url = URL.createObjectURL(new Blob([BROWSER_SOURCE], { type: 'text/javascript' }));
        for (let s = 0; s < count; s++) {
          const w = new Worker(url);
          handles.push({ terminate: () => w.terminate() });
          ready.push(
            new Promise<void>((resolve, reject) => {
              w.onmessage = (e: MessageEvent<{ ready?: boolean; error?: string }>) =>
                e.data.ready ? resolve() : reject(new Error(`wasm worker failed to start: ${e.data.error}`));
              w.onerror = (e) => reject(new Error(`wasm worker failed to start: ${e.message}`));
            }),
          );
          w.postMessage({ module, memory, ctl, slot: s, names });
        }
        // The workers fetch the Blob URL asynchronously: revoke it only once all are running.
        void Promise.allSettled(ready).then(() => URL.revokeObjectURL(url));
      }
      await Promise.all(ready);
    } catch (e) {
      for (const h of handles) h.terminate();
      throw e;
    }
    return new WorkerPool(handles, memory, ctl);
  }

  /**
   * Runs export `fn` with `args[1..]` on the workers and `args[0]` through `local` on the
   * calling thread; returns each share's result in share order. `args.length - 1` must not
   * exceed the pool size.
   */
  run(fn: number, args: number[][], local: (a: number[]) => number): number[] {
    const n = args.length - 1;
    const gen = ++this.gen;
    const i32 = this.i32, f64 = this.f64;
    const S4 = SLOT_BYTES / 4, S8 = SLOT_BYTES / 8;
    for (let w = 0; w < n; w++) {
      const a = args[w + 1];
      i32[w * S4 + 2] = fn;
      for (let t = 0; t < MAX_ARGS; t++) f64[w * S8 + 2 + t] = t < a.length ? a[t] : 0;
      Atomics.store(i32, w * S4, gen);
      Atomics.notify(i32, w * S4, 1);
    }
    const out = new Array<number>(args.length);
    let err: unknown;
    try {
      out[0] = local(args[0]);
    } catch (e) {
      err = e;
    }
    let failed = -1;
    for (let w = 0; w < n; w++) {
      const idx = w * S4 + 1;
      for (;;) {
        const d = Atomics.load(i32, idx);
        if (d === gen) break;
        Atomics.wait(i32, idx, d);
      }
      if (i32[w * S4 + 3] !== 0) failed = w;
      out[w + 1] = f64[w * S8 + 2];
    }
    if (err) throw err;
    if (failed >= 0) throw new Error(`wasm kernel trapped in worker ${failed + 1}`);
    return out;
  }

  /** Stops the workers. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const gen = ++this.gen;
    const S4 = SLOT_BYTES / 4;
    for (let w = 0; w < this.handles.length; w++) {
      this.i32[w * S4 + 2] = -1;
      Atomics.store(this.i32, w * S4, gen);
      Atomics.notify(this.i32, w * S4, 1);
    }
    for (const h of this.handles) h.terminate();
  }
}
