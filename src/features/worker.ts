import { parentPort } from 'node:worker_threads';
import { analyseFile, type AnalyseOptions } from './analyse.js';

interface Job {
  id: number;
  path: string;
  opts: AnalyseOptions;
}

parentPort?.on('message', (job: Job) => {
  analyseFile(job.path, job.opts).then(
    (analysis) => parentPort?.postMessage({ id: job.id, ok: true, analysis }),
    (err: unknown) => {
      const e = err as { name?: string; code?: string; status?: number; message?: string };
      parentPort?.postMessage({
        id: job.id,
        ok: false,
        error: { name: e?.name ?? 'Error', code: e?.code, status: e?.status, message: e?.message ?? String(err) },
      });
    },
  );
});
