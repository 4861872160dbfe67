import { parentPort } from 'node:worker_threads';
import { analyseFile, type AnalyseOptions } from './analyse.js';
import { MelHelper } from './mel-helper.js';

interface Job {
  id: number;
  path: string;
  opts: AnalyseOptions;
}

let helper: MelHelper | null = null;

/** Uploads (query jobs) get a mel helper thread, so their decoding and STFT overlap; catalogue jobs use one thread. */
function helperFor(job: Job): MelHelper | undefined {
  if (!job.opts.query || job.opts.baseline) return undefined;
  if (!helper?.usable) helper = new MelHelper();
  return helper;
}

parentPort?.on('message', (job: Job) => {
  analyseFile(job.path, job.opts, helperFor(job)).then(
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
