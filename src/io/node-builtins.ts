/**
 * Node's built-in modules for the few Node-only helpers that sit on the readers' import graph
 * (the disk file system `nodeVfs`, the atomic writers, the h5ad bool patcher). They are fetched
 * at call time with `process.getBuiltinModule` (Node ≥ 20.16) instead of a static
 * `import … from 'node:fs'`, so a browser bundle of the readers (a Web Worker reading dropped
 * `File`s) loads without any `node:*` module; in a browser these functions throw a one-line
 * error saying that disk access needs Node and that a `Vfs` must be passed instead.
 */
import type * as Fs from 'node:fs';
import type * as Path from 'node:path';
import type * as Crypto from 'node:crypto';

import { StnmfError } from '../errors.js';

type GetBuiltin = (id: string) => unknown;

function builtin<T>(id: string): T {
  const get = (globalThis as { process?: { getBuiltinModule?: GetBuiltin } }).process?.getBuiltinModule;
  if (!get) throw new StnmfError('BAD_OPTION', `${id} is not available here (disk access needs Node ≥ 20.16; in a browser pass the files as a Vfs, e.g. blobVfs)`);
  return get(id) as T;
}

/** `node:fs`. */
export function nodeFs(): typeof Fs {
  return builtin<typeof Fs>('node:fs');
}

/** `node:path`. */
export function nodePath(): typeof Path {
  return builtin<typeof Path>('node:path');
}

/** `node:crypto`. */
export function nodeCrypto(): typeof Crypto {
  return builtin<typeof Crypto>('node:crypto');
}
