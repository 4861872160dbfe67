import fs from 'node:fs';
import path from 'node:path';
import { availableParallelism } from 'node:os';
import { buildCatalog, formatSummary } from '../catalog/build.js';
import { progressReporter } from '../catalog/progress.js';
import { writeCorpus } from '../synth/index.js';
import { DATA_OPTION, dataDir, intOption, type Command } from './common.js';

export const DEMO_TRACKS = 240;

/** Where the demo's synthesised audio lives inside the data dir. */
export const DEMO_AUDIO_DIR = 'demo-audio';

/**
 * Synthesise the demo catalogue (labelled grooves, every pattern on two kits) into DIR/demo-audio and
 * index it. Rendering is skipped when the audio is already there, so a re-run only re-indexes.
 */
export async function buildDemo(dir: string, opts: { n?: number; workers?: number } = {}): Promise<void> {
  const audioDir = path.join(dir, DEMO_AUDIO_DIR);
  const n = opts.n ?? DEMO_TRACKS;
  const bar = progressReporter(process.stderr);
  if (!fs.existsSync(path.join(audioDir, 'labels.csv'))) {
    process.stderr.write(`Synthesising ${n} demo grooves into ${audioDir}\n`);
    // Written to a temporary folder first so an interrupted run never leaves half a corpus behind.
    const tmp = `${audioDir}.partial`;
    fs.rmSync(tmp, { recursive: true, force: true });
    const t0 = Date.now();
    await writeCorpus({
      outDir: tmp,
      n,
      seed: 7,
      seconds: 30,
      format: 'mp3',
      kitsPerPattern: 2,
      onProgress: (done: number, total: number) =>
        bar.update({ done, total, file: 'synth', etaS: ((Date.now() - t0) / 1000 / Math.max(1, done)) * (total - done) }),
    });
    bar.end();
    fs.rmSync(audioDir, { recursive: true, force: true });
    fs.renameSync(tmp, audioDir);
  }
  const summary = await buildCatalog({
    dirs: [audioDir],
    dataDir: dir,
    workers: opts.workers ?? availableParallelism(),
    onProgress: (p) => bar.update(p),
    log: (line) => { bar.end(); process.stderr.write(line + '\n'); },
  });
  bar.end();
  process.stderr.write(formatSummary(summary) + '\n');
}

export const demoCommand: Command = {
  help: 'groovematch demo [--data DIR] [--n N] [--workers N]   synthesise and index the demo catalogue',
  options: { ...DATA_OPTION, n: { type: 'string' }, workers: { type: 'string' } },
  async run(v) {
    await buildDemo(dataDir(v), {
      n: intOption(v, 'n', DEMO_TRACKS, 2, 100_000),
      workers: intOption(v, 'workers', availableParallelism(), 1, 64),
    });
    return 0;
  },
};
