/**
 * The kernel binaries as WebAssembly modules: decoding the embedded builds
 * (`binaries.generated.ts`), the unshared-memory rewrite browsers without cross-origin isolation
 * need, the relaxed-SIMD check, and one compiled module per variant. The backend
 * (`backend.ts`) instantiates them; workers (`pool.ts`) receive the same module.
 */
import { WASM_BINARIES } from './binaries.generated.js';
import { importNode } from './pool.js';

/** The memory's maximum: 65536 pages of 64 KiB, 4 GiB (wasm32). */
export const MAX_PAGES = 65536;
const moduleCache = new Map<string, WebAssembly.Module>();

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
}

/**
 * The module bytes of a variant. The shipped builds import a shared memory; for unshared
 * memory the import's limits flag is rewritten from 0x03 (max, shared) to 0x01 (max), which
 * keeps every offset of the binary unchanged.
 */
function variantBytes(name: string, shared: boolean): Uint8Array<ArrayBuffer> {
  const b64 = WASM_BINARIES[name];
  if (!b64) throw new Error(`wasm kernels: binary '${name}' missing; run \`npm run build:wasm\``);
  const bytes = decodeBase64(b64);
  if (!shared) unshareMemoryImport(bytes);
  return bytes;
}

function readLeb(b: Uint8Array, pos: number): [number, number] {
  let v = 0, shift = 0, byte: number;
  do {
    byte = b[pos++];
    v += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [v, pos];
}

/** Clears the shared flag of the memory import in place (wasm binary format, import section). */
export function unshareMemoryImport(b: Uint8Array): void {
  let pos = 8;
  while (pos < b.length) {
    const id = b[pos++];
    let size: number;
    [size, pos] = readLeb(b, pos);
    if (id !== 2) {
      pos += size;
      continue;
    }
    let count: number;
    [count, pos] = readLeb(b, pos);
    for (let i = 0; i < count; i++) {
      let len: number;
      [len, pos] = readLeb(b, pos);
      pos += len; // module name
      [len, pos] = readLeb(b, pos);
      pos += len; // field name
      const kind = b[pos++];
      if (kind === 2) {
        if (b[pos] === 0x03) b[pos] = 0x01;
        return;
      }
      if (kind === 0) [, pos] = readLeb(b, pos);
      else if (kind === 1) {
        pos++; // reftype
        const flags = b[pos++];
        [, pos] = readLeb(b, pos);
        if (flags & 1) [, pos] = readLeb(b, pos);
      } else if (kind === 3) pos += 2;
      else throw new Error(`wasm kernels: unexpected import kind ${kind}`);
    }
    return;
  }
}

export function getModule(name: string, shared: boolean): WebAssembly.Module {
  const key = `${name}/${shared}`;
  let m = moduleCache.get(key);
  if (!m) {
    m = new WebAssembly.Module(variantBytes(name, shared));
    moduleCache.set(key, m);
  }
  return m;
}

let relaxedFlagTried = false;
/** Whether the relaxed-SIMD build validates; in Node 20 it first enables V8's flag (compute-notes §3). */
export async function relaxedAvailable(shared: boolean): Promise<boolean> {
  if (!WASM_BINARIES['relaxed']) return false;
  const bytes = variantBytes('relaxed', shared);
  if (WebAssembly.validate(bytes)) return true;
  if (!isNode() || relaxedFlagTried) return false;
  relaxedFlagTried = true;
  try {
    const v8 = await importNode<{ setFlagsFromString(f: string): void }>('v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return WebAssembly.validate(bytes);
}

/** Whether this environment runs the plain SIMD128 build at all (with unshared memory). */
export function wasmSimdAvailable(): boolean {
  if (typeof WebAssembly !== 'object' || !WASM_BINARIES['simd128']) return false;
  return WebAssembly.validate(variantBytes('simd128', false));
}
