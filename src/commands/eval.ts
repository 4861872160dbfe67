import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { ensureCorpus } from '../eval/corpus.js';
import { excerptRetrieval, formatExcerptReport } from '../eval/excerpts.js';
import { FEATURE_VERSION } from '../features/vector.js';
import { readLabels } from '../eval/labels.js';
import { analyseAll, evaluate, formatReport } from '../eval/run.js';
import { progressReporter } from '../catalog/progress.js';
import { DEFAULT_MODE, MODES } from '../recommend/modes.js';
import { SERVED_K, servedDataDir, servedScores } from '../eval/served.js';
import { UsageError, intOption, type Command } from './common.js';

export const evalCommand: Command = {
  help:
    'groovematch eval [--catalog DIR --queries DIR [--labels CSV]] [--mode M] [--baseline mfcc-mean] [--n N] [--seed S] [--seconds S] [--workers N] [--out DIR]\n' +
    '    score rhythm retrieval, cross-kit identity and tempo against the origin MFCC-mean baseline;\n' +
    '    without --catalog/--queries it renders a labelled corpus (n grooves on catalogue kits and on query kits)\n' +
    'groovematch eval --excerpts DIR [DIR...] [--n N] [--out DIR]   excerpt retrieval on real recordings',
  options: {
    catalog: { type: 'string' },
    queries: { type: 'string' },
    labels: { type: 'string' },
    n: { type: 'string' },
    seed: { type: 'string' },
    seconds: { type: 'string' },
    workers: { type: 'string' },
    out: { type: 'string' },
    baseline: { type: 'string' },
    excerpts: { type: 'string' },
    mode: { type: 'string' },
  },
  async run(v, positionals) {
    const t0 = Date.now();
    const workers = intOption(v, 'workers', availableParallelism(), 1, 64);
    if (v.excerpts !== undefined) {
      const dirs = [v.excerpts as string, ...positionals];
      const out = path.resolve((v.out as string | undefined) ?? path.join(tmpdir(), 'groovematch-excerpts'));
      const r = await excerptRetrieval({
        dirs,
        out,
        queries: intOption(v, 'n', 100, 1, 100_000),
        seed: intOption(v, 'seed', 1, 0, 2 ** 31),
        workers,
        log: (s) => process.stderr.write(s + '\n'),
      });
      process.stdout.write(`## groovematch eval: excerpts\n\n- feature version: ${FEATURE_VERSION}\n` +
        `- time: ${((Date.now() - t0) / 1000).toFixed(1)} s (index ${r.buildSeconds.toFixed(1)} s for ${r.audioHours.toFixed(2)} h of audio)\n\n` +
        formatExcerptReport(r, dirs));
      return 0;
    }
    if (v.baseline !== undefined && v.baseline !== 'mfcc-mean') throw new UsageError('--baseline takes mfcc-mean');
    const mode = v.mode as string | undefined;
    if (mode !== undefined && !(mode in MODES)) throw new UsageError(`--mode takes ${Object.keys(MODES).join(', ')}`);
    let catalogDir = v.catalog as string | undefined;
    let queriesDir = v.queries as string | undefined;
    const n = intOption(v, 'n', 300, 10, 100_000);
    const seconds = intOption(v, 'seconds', 30, 5, 600);
    if (!catalogDir !== !queriesDir) throw new UsageError('give both --catalog and --queries, or neither');
    const root = path.resolve((v.out as string | undefined) ?? path.join(tmpdir(), 'groovematch-eval'));
    if (!catalogDir) {
      const c = await ensureCorpus(root, n, intOption(v, 'seed', 1, 0, 2 ** 31), seconds, (s) => process.stderr.write(s + '\n'));
      catalogDir = c.catalogDir;
      queriesDir = c.queriesDir;
    }
    const catRows = readLabels((v.labels as string | undefined) ?? path.join(catalogDir, 'labels.csv'));
    const qRows = readLabels(path.join(queriesDir!, 'labels.csv'));
    const bar = progressReporter(process.stderr);
    const tp = Date.now();
    const all = await analyseAll(
      [...catRows, ...qRows],
      workers,
      (done, total) => bar.update({ done, total, file: '', etaS: ((Date.now() - tp) / 1000 / done) * (total - done) }),
      catRows.length,
    );
    bar.end();
    const cat = { rows: catRows, analyses: all.analyses.slice(0, catRows.length) };
    const qs = { rows: qRows, analyses: all.analyses.slice(catRows.length) };
    const report = evaluate(cat, qs, mode ? [mode] : undefined);
    const at = report.modes.findIndex((m) => m.name === `groovematch ${DEFAULT_MODE}`);
    if (at >= 0) {
      process.stderr.write('ranking the queries as `serve` does (index build, then each query as an upload)\n');
      const name = `groovematch ${DEFAULT_MODE}, as served (index, segments; top ${SERVED_K})`;
      report.modes.splice(at + 1, 0, await servedScores(name, catalogDir, catRows, qRows, servedDataDir(root, catalogDir), workers));
    }
    const styles = new Set(catRows.map((r) => r.style)).size;
    const corpus = `${catRows.length} catalogue + ${qRows.length} query clips, ${styles} styles, catalogue kits ` +
      `${[...new Set(catRows.map((r) => r.kit))].join('/')}, query kits ${[...new Set(qRows.map((r) => r.kit))].join('/')} (${catalogDir})`;
    process.stdout.write(formatReport(report, { corpus, seconds: (Date.now() - t0) / 1000 }));
    return 0;
  },
};
