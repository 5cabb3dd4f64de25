/**
 * Runs cNMF replicates for `stnmf consensus`: in this thread, or on worker threads
 * (consensus-worker.ts), each with one kernel thread, so a replicate's result does not depend on
 * how many run at once. Node-specific (worker_threads), hence in the CLI.
 */
import { Worker } from 'node:worker_threads';
import { StnmfError, type StnmfErrorCode } from '../errors.js';
import { createKernels } from '../linalg/backend.js';
import type { Csr } from '../linalg/csr.js';
import type { Dense } from '../linalg/dense.js';
import { runReplicate, type CnmfFitOptions, type ReplicateSpec } from '../nmf/cnmf.js';
import type { CommandContext } from './command.js';

/** Runs the replicates on `threads` worker threads (in this thread when 1), calling `save` as each finishes. */
export async function runReplicates(X: Csr, todo: ReplicateSpec[], fit: Omit<CnmfFitOptions, 'kernels' | 'signal'>, threads: number, ctx: CommandContext, save: (s: ReplicateSpec, H: Dense) => void): Promise<void> {
  if (todo.length === 0) return;
  let done = 0;
  const report = (s: ReplicateSpec, loss: number) => ctx.progress('replicates', ++done, todo.length, `k=${s.k} r=${s.replicate} loss ${loss.toPrecision(6)}`);
  const nw = Math.min(threads, todo.length);
  if (nw === 1) {
    const kernels = await createKernels({ threads: 1 });
    try {
      for (const s of todo) {
        const r = await runReplicate(X, s, { ...fit, kernels, signal: ctx.signal });
        save(s, r.H);
        report(s, r.loss);
      }
    } finally {
      kernels.dispose();
    }
    return;
  }
  // Largest jobs first, dealt round-robin, so the workers finish at about the same time.
  const ordered = [...todo].sort((a, b) => b.k - a.k);
  const shares = Array.from({ length: nw }, (_, w) => ordered.filter((_, i) => i % nw === w));
  const workers = shares.map((specs) => new Worker(new URL('./consensus-worker.js', import.meta.url), { workerData: { X, specs, fit } }));
  const onAbort = () => workers.forEach((w) => void w.terminate());
  ctx.signal.addEventListener('abort', onAbort);
  try {
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      w.on('message', (m: { spec: ReplicateSpec; H: Dense; loss: number } | { error: { code: StnmfErrorCode; message: string } }) => {
        // A user error raised in the worker (bad values, bad option) keeps its type and exit code.
        if ('error' in m) return reject(new StnmfError(m.error.code, m.error.message));
        save(m.spec, m.H);
        report(m.spec, m.loss);
      });
      w.on('error', reject);
      w.on('exit', (code) => (code === 0 ? resolve() : reject(new StnmfError('ABORTED', `stnmf consensus: a replicate worker stopped (exit ${code})`))));
    })));
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}
