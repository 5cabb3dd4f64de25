/**
 * Worker thread of `stnmf consensus`: runs its list of replicate factorisations, each with a
 * one-thread kernel context, and posts every replicate's spectra back as soon as it is done.
 * One thread per replicate keeps the result of a replicate independent of how many run at once.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createKernels } from '../linalg/backend.js';
import { StnmfError } from '../errors.js';
import type { Csr } from '../linalg/csr.js';
import { runReplicate, type CnmfFitOptions, type ReplicateSpec } from '../nmf/cnmf.js';

interface Job { X: Csr; specs: ReplicateSpec[]; fit: Omit<CnmfFitOptions, 'kernels' | 'signal'> }

const job = workerData as Job;
const kernels = await createKernels({ threads: 1 });
try {
  for (const spec of job.specs) {
    const r = await runReplicate(job.X, spec, { ...job.fit, kernels });
    parentPort!.postMessage({ spec, H: r.H, loss: r.loss, iterations: r.iterations });
  }
} catch (e) {
  // A thrown error reaches the parent as a plain Error (the class is lost in the copy); post a
  // StnmfError's code so the parent rethrows it as the same user error, with its exit code.
  if (!(e instanceof StnmfError)) throw e;
  parentPort!.postMessage({ error: { code: e.code, message: e.message } });
} finally {
  kernels.dispose();
}
