/**
 * Ranking choices measured on the corpus `groovematch eval` renders (reused when already there), for the
 * rhythm mode (docs/quality.md): `npx tsx scripts/eval-ranking.ts [--n 300] [--seconds 20] [--seed 1]
 * [--out /tmp/gm-eval]`.
 * - the upload's other-octave reading (Analysis.alt_vector) over a range of penalties, against the catalogue
 *   as measured (gm8's product);
 * - the catalogue's octave readings chosen by consensus (src/catalog/readings.ts) over neighbours and margins;
 * - the upload's readings a factor of three away (Analysis.ternary) over a range of penalties;
 * - average query expansion: the best list ranked by the reading that matched the first track plus that
 *   track;
 * - the nearest track at the query's tempo first (sameTempoPick) over pools and tolerances (the product:
 *   consensus, octave at ALT_VIEW_PENALTY, ternary at TERNARY_VIEW_PENALTY, expansion, same tempo first).
 */
import os from 'node:os';
import path from 'node:path';
import { CONSENSUS_MARGIN, CONSENSUS_NEIGHBOURS, type ConsensusOptions } from '../src/catalog/readings.js';
import { ensureCorpus } from '../src/eval/corpus.js';
import { readLabels } from '../src/eval/labels.js';
import { rankByCosine, type OtherView, type Tempi } from '../src/eval/metrics.js';
import { analyseAll, indexedCatalog, scoreRankings, type Analysed, type Scores } from '../src/eval/run.js';
import { computeStats, finalVector } from '../src/features/standardise.js';
import { BLOCKS, VECTOR_LENGTH } from '../src/features/vector.js';
import { MODES } from '../src/recommend/modes.js';
import { ALT_VIEW_PENALTY, SAME_TEMPO_POOL, SAME_TEMPO_TOLERANCE, TERNARY_VIEW_PENALTY } from '../src/recommend/similarity.js';
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
const measured = await load(corpus.catalogDir, false);
const qs = await load(corpus.queriesDir, true);

interface Ranking {
  /** The catalogue's vectors, standardised by themselves. */
  cat: Float32Array[];
  f: (v: Float32Array) => Float32Array;
}

function rankingOf(cat: Analysed): Ranking {
  const stats = computeStats(cat.analyses.map((a) => a.vector), VECTOR_LENGTH, BLOCKS);
  const f = (v: Float32Array) => finalVector(v, stats, BLOCKS, MODES.rhythm);
  return { cat: cat.analyses.map((a) => f(a.vector)), f };
}

/** Every query's ranking with its octave reading and, when ternaryPenalty is set, its ternary readings. */
function ranked(r: Ranking, octavePenalty: number | null, ternaryPenalty: number | null, expand = false, same?: Omit<Tempi, 'query' | 'items'>): number[][] {
  const items = measured.analyses.map((a) => a.tempo);
  return qs.analyses.map((a) => {
    const others: OtherView[] = [];
    if (octavePenalty !== null && a.alt_vector) others.push({ v: r.f(a.alt_vector), penalty: octavePenalty });
    if (ternaryPenalty !== null) for (const t of a.ternary ?? []) others.push({ v: r.f(t.vector), penalty: ternaryPenalty });
    return rankByCosine(r.f(a.vector), r.cat, -1, others, expand, same && { ...same, query: a.tempo, items });
  });
}

const score = (name: string, rankings: number[][]) => scoreRankings(name, rankings, measured.rows, qs.rows);
const rows: Scores[] = [];
const plain = rankingOf(measured);
rows.push(score('catalogue as measured, one reading', ranked(plain, null, null)));
for (const p of [0, 0.1, 0.15, 0.2, 0.25]) rows.push(score(`catalogue as measured, octave reading at ${p}${p === ALT_VIEW_PENALTY ? ' (gm8)' : ''}`, ranked(plain, p, null)));
const consensus = (o: ConsensusOptions) => rankingOf(indexedCatalog(measured, o));
for (const [k, margin] of [[3, 0.03], [5, 0.02], [5, 0.05], [8, 0.05]]) {
  rows.push(score(`consensus ${k} nearest, margin ${margin}, octave reading`, ranked(consensus({ neighbours: k, margin }), ALT_VIEW_PENALTY, null)));
}
const agreed = consensus({});
const label = `consensus ${CONSENSUS_NEIGHBOURS} nearest, margin ${CONSENSUS_MARGIN}`;
rows.push(score(`${label}, octave reading`, ranked(agreed, ALT_VIEW_PENALTY, null)));
for (const p of [0.15, 0.2, 0.25, 0.3, 0.35]) {
  rows.push(score(`${label}, octave and ternary readings at ${p}`, ranked(agreed, ALT_VIEW_PENALTY, p)));
}
rows.push(score('catalogue as measured, octave and ternary readings (no consensus)', ranked(plain, ALT_VIEW_PENALTY, TERNARY_VIEW_PENALTY)));
rows.push(score('catalogue as measured, one reading, then expanded', ranked(plain, null, null, true)));
rows.push(score('catalogue as measured, octave reading, then expanded', ranked(plain, ALT_VIEW_PENALTY, null, true)));
rows.push(score(`${label}, octave and ternary readings, then expanded`, ranked(agreed, ALT_VIEW_PENALTY, TERNARY_VIEW_PENALTY, true)));
for (const [pool, tolerance] of [[10, 0.003], [15, 0.003], [30, 0.003], [50, 0.003], [20, 0.001], [20, 0.006], [20, 0.01], [20, 0.02]]) {
  rows.push(score(`… then the nearest of ${pool} within ${tolerance * 100} % of its tempo first`, ranked(agreed, ALT_VIEW_PENALTY, TERNARY_VIEW_PENALTY, true, { pool, tolerance })));
}
rows.push(score(`… then the nearest of ${SAME_TEMPO_POOL} within ${SAME_TEMPO_TOLERANCE * 100} % of its tempo first (the product)`, ranked(agreed, ALT_VIEW_PENALTY, TERNARY_VIEW_PENALTY, true, {})));

const f3 = (x: number) => x.toFixed(3);
console.log(`Corpus ${path.basename(path.dirname(corpus.catalogDir))}, ${measured.rows.length} + ${qs.rows.length} clips, rhythm mode.\n`);
console.log('| ranking | style P@10 | 1-NN | cross-kit hit@1 | hit@10 | MRR |\n|---|---|---|---|---|---|');
for (const s of rows) console.log(`| ${s.name} | ${f3(s.p10)} | ${f3(s.nn1)} | ${f3(s.hit1)} | ${f3(s.hit10)} | ${f3(s.mrr)} |`);
