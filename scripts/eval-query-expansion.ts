/**
 * Average query expansion measured, not adopted (docs/quality.md): `npx tsx scripts/eval-query-expansion.ts
 * [--n 300] [--seconds 20] [--seed 1] [--out /tmp/gm-eval]`. On the corpus `groovematch eval` renders (reused
 * when already there), the rhythm mode as is, and ranked by the upload's vector plus its nearest catalogue
 * match's: style P@10, 1-NN and cross-kit identity of both.
 */
import os from 'node:os';
import path from 'node:path';
import { ensureCorpus } from '../src/eval/corpus.js';
import { readLabels } from '../src/eval/labels.js';
import { rankByCosine } from '../src/eval/metrics.js';
import { analyseAll, score, type Scores } from '../src/eval/run.js';
import { computeStats, finalVector } from '../src/features/standardise.js';
import { BLOCKS, VECTOR_LENGTH } from '../src/features/vector.js';
import { MODES } from '../src/recommend/modes.js';
import { arg } from './args.js';

const n = Number(arg('n', '300'));
const seconds = Number(arg('seconds', '20'));
const seed = Number(arg('seed', '1'));
const out = arg('out', '/tmp/gm-eval');

const corpus = await ensureCorpus(out, n, seed, seconds, (s) => process.stderr.write(`${s}\n`));
const load = (dir: string, queries: boolean) => {
  const rows = readLabels(path.join(dir, 'labels.csv'));
  return analyseAll(rows, os.cpus().length, undefined, queries ? 0 : rows.length);
};
const cat = await load(corpus.catalogDir, false);
const qs = await load(corpus.queriesDir, true);
const stats = computeStats(cat.analyses.map((a) => a.vector), VECTOR_LENGTH, BLOCKS);
const f = (v: Float32Array) => finalVector(v, stats, BLOCKS, MODES.rhythm);
const catV = cat.analyses.map((a) => f(a.vector));
const qV = qs.analyses.map((a) => f(a.vector));
// The upload's other-octave reading, ranked as the product ranks it (the better reading, less a penalty).
const qAlt = qs.analyses.map((a) => (a.alt_vector ? f(a.alt_vector) : undefined));
const expanded = qV.map((q, j) => {
  const best = catV[rankByCosine(q, catV, -1, qAlt[j])[0]];
  return q.map((x, i) => x + best[i]);
});
const row = (s: Scores) => `| ${s.name} | ${s.p10.toFixed(3)} | ${s.nn1.toFixed(3)} | ${s.hit1.toFixed(3)} | ${s.hit10.toFixed(3)} | ${s.mrr.toFixed(3)} |`;
console.log(`Corpus ${path.basename(path.dirname(corpus.catalogDir))}, ${cat.rows.length} + ${qs.rows.length} clips.\n`);
console.log('| ranking | style P@10 | 1-NN | cross-kit hit@1 | hit@10 | MRR |\n|---|---|---|---|---|---|');
console.log(row(score('rhythm', catV, qV, cat.rows, qs.rows, qAlt)));
console.log(row(score('rhythm, query + its nearest match', catV, expanded, cat.rows, qs.rows)));
