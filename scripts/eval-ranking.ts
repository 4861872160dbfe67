/**
 * Ranking choices measured on the corpus `groovematch eval` renders (reused when already there), for the
 * rhythm mode (docs/quality.md): `npx tsx scripts/eval-ranking.ts [--n 300] [--seconds 20] [--seed 1]
 * [--out /tmp/gm-eval]`.
 * - the upload's second reading (Analysis.alt_vector): none, doubling only (readings whose folded beat is
 *   below 113 BPM), or both directions (the product), each over a range of penalties;
 * - average query expansion (measured, not adopted): ranked by the upload's vector plus its nearest match's.
 */
import os from 'node:os';
import path from 'node:path';
import { ensureCorpus } from '../src/eval/corpus.js';
import { readLabels } from '../src/eval/labels.js';
import { rankByCosine } from '../src/eval/metrics.js';
import { analyseAll, scoreRankings, type Scores } from '../src/eval/run.js';
import { computeStats, finalVector } from '../src/features/standardise.js';
import { BLOCKS, VECTOR_LENGTH } from '../src/features/vector.js';
import { MODES } from '../src/recommend/modes.js';
import { ALT_VIEW_PENALTY } from '../src/recommend/similarity.js';
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
const qAlt = qs.analyses.map((a) => (a.alt_vector ? f(a.alt_vector) : undefined));

/** Every query's ranking with the second reading where `use` allows it, at a penalty. */
const ranked = (use: (i: number) => boolean, penalty: number) =>
  qV.map((q, i) => rankByCosine(q, catV, -1, use(i) ? qAlt[i] : undefined, penalty));
const score = (name: string, rankings: number[][]) => scoreRankings(name, rankings, cat.rows, qs.rows);
const doubling = (i: number) => qs.analyses[i].alt_factor === 2;

const rows: Scores[] = [score('one reading', ranked(() => false, 0))];
for (const p of [0.1, 0.15, 0.2, 0.25]) rows.push(score(`second reading when doubling, penalty ${p}`, ranked(doubling, p)));
for (const p of [0, 0.1, 0.12, 0.15, 0.2, 0.25]) {
  rows.push(score(`second reading both ways, penalty ${p}${p === ALT_VIEW_PENALTY ? ' (the product)' : ''}`, ranked(() => true, p)));
}
// Query expansion on top of the product's ranking: the upload plus its first match.
const product = ranked(() => true, ALT_VIEW_PENALTY);
const expanded = qV.map((q, j) => {
  const best = catV[product[j][0]];
  return q.map((x, i) => x + best[i]);
});
rows.push(score('the product, then query + its nearest match', expanded.map((q) => rankByCosine(q, catV))));

const f3 = (x: number) => x.toFixed(3);
console.log(`Corpus ${path.basename(path.dirname(corpus.catalogDir))}, ${cat.rows.length} + ${qs.rows.length} clips, rhythm mode.\n`);
console.log('| ranking | style P@10 | 1-NN | cross-kit hit@1 | hit@10 | MRR |\n|---|---|---|---|---|---|');
for (const s of rows) console.log(`| ${s.name} | ${f3(s.p10)} | ${f3(s.nn1)} | ${f3(s.hit1)} | ${f3(s.hit10)} | ${f3(s.mrr)} |`);
