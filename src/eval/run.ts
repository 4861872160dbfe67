import { availableParallelism } from 'node:os';
import { AnalysisPool } from '../features/pool.js';
import { computeStats, finalVector } from '../features/standardise.js';
import type { Analysis, BlockWeights } from '../features/types.js';
import { BLOCKS, FEATURE_VERSION } from '../features/vector.js';
import { DEFAULT_MODE, MODES } from '../recommend/modes.js';
import type { LabelRow } from './labels.js';
import { chooseStoredReadings, type ConsensusOptions } from '../catalog/readings.js';
import { ALT_VIEW_PENALTY, TERNARY_VIEW_PENALTY, otherReadings, usesSameTempo } from '../recommend/similarity.js';
import { chanceLevel, identity, oneNnAccuracy, precisionAtK, precisionByLabel, rankByCosine, tempoAccuracy, type LabelPrecision, type OtherView, type Tempi } from './metrics.js';

export interface Scores {
  name: string;
  p10: number;
  nn1: number;
  hit1: number;
  hit10: number;
  mrr: number;
  /** Style precision per query style. */
  byStyle: Map<string, LabelPrecision>;
}

export interface EvalInput {
  catalog: LabelRow[];
  queries: LabelRow[];
  workers?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface Analysed {
  rows: LabelRow[];
  analyses: Analysis[];
}

/**
 * Analyse every labelled file once (with the baseline descriptor), in the worker pool. Rows from `queriesFrom`
 * on are queries: they get the other readings an upload gets.
 */
export async function analyseAll(rows: LabelRow[], workers: number, onProgress?: (d: number, t: number) => void, queriesFrom = rows.length): Promise<Analysed> {
  const pool = new AnalysisPool({ workers });
  let done = 0;
  try {
    const analyses = await Promise.all(
      rows.map((r, i) =>
        pool.analyse(r.path, { baseline: true, alt: i >= queriesFrom }).then((a) => {
          onProgress?.(++done, rows.length);
          return a;
        }),
      ),
    );
    return { rows, analyses };
  } finally {
    await pool.close();
  }
}

/** Style precision, 1-NN and cross-kit identity of queries against the catalogue for one descriptor. */
export function score(
  name: string,
  cat: Float32Array[],
  qs: Float32Array[],
  catRows: LabelRow[],
  qRows: LabelRow[],
  qsOthers: (readonly OtherView[])[] = [],
  expand = false,
  tempi: (Tempi | undefined)[] = [],
): Scores {
  return scoreRankings(name, qs.map((q, i) => rankByCosine(q, cat, -1, qsOthers[i] ?? [], expand, tempi[i])), catRows, qRows);
}

/** score() from each query's ranking of the catalogue (indices, best first). */
export function scoreRankings(name: string, rankings: number[][], catRows: LabelRow[], qRows: LabelRow[]): Scores {
  const catStyles = catRows.map((r) => r.style);
  const qStyles = qRows.map((r) => r.style);
  const byPattern = new Map(catRows.map((r, i) => [r.pattern_id, i]));
  const targets = qRows.map((r) => byPattern.get(r.pattern_id) ?? -1);
  const id = identity(rankings, targets);
  return {
    name,
    p10: precisionAtK(rankings, qStyles, catStyles),
    byStyle: precisionByLabel(rankings, qStyles, catStyles),
    nn1: oneNnAccuracy(rankings, qStyles, catStyles),
    hit1: id.hit1,
    hit10: id.hit10,
    mrr: id.mrr,
  };
}

/**
 * The catalogue as the build indexes it: each track's vector is the reading chooseStoredReadings picks under
 * the rhythm weighting (src/catalog/readings.ts), whatever weighting is scored afterwards.
 */
export function indexedCatalog(cat: Analysed, opts: ConsensusOptions = {}): Analysed {
  const choice = chooseStoredReadings(cat.analyses, MODES.rhythm, opts);
  return { rows: cat.rows, analyses: cat.analyses.map((a, i) => (choice[i] && a.alt_vector ? { ...a, vector: a.alt_vector } : a)) };
}

/**
 * Our descriptor under given block weights, standardised with the catalogue's statistics. `cat` as indexed
 * (indexedCatalog); queries ranked as the product ranks uploads (all their readings, then query expansion)
 * unless `plain` (their own reading, no expansion).
 */
export function scoreWeights(name: string, cat: Analysed, qs: Analysed, weights: BlockWeights, plain = false): Scores {
  const stats = computeStats(cat.analyses.map((a) => a.vector), cat.analyses[0].vector.length, BLOCKS);
  const f = (v: Float32Array) => finalVector(v, stats, BLOCKS, weights);
  const others = (a: Analysis) => (plain ? [] : otherReadings(a).map((o) => ({ v: f(o.raw), penalty: o.penalty })));
  // The product puts a track at the upload's tempo first only where the exact tempo counts (usesSameTempo).
  const items = cat.analyses.map((a) => a.tempo);
  const tempi = plain || !usesSameTempo(weights) ? [] : qs.analyses.map((a) => ({ query: a.tempo, items }));
  return score(name, cat.analyses.map((a) => f(a.vector)), qs.analyses.map((a) => f(a.vector)), cat.rows, qs.rows, qs.analyses.map(others), !plain, tempi);
}

export interface EvalReport {
  modes: Scores[];
  baseline: Scores;
  ablation: Scores[];
  chance: number;
  tempo: { acc1: number; acc2: number; n: number; perStyle: Map<string, { acc1: number; acc2: number }> };
}

/** Every mode's scores (or only `modes`'), the baseline's, the ablation and tempo accuracy. */
export function evaluate(measured: Analysed, qs: Analysed, modes_?: string[]): EvalReport {
  const cat = indexedCatalog(measured);
  const modes = Object.entries(MODES).filter(([name]) => !modes_ || modes_.includes(name)).map(([name, w]) => scoreWeights(`groovematch ${name}`, cat, qs, w));
  const baseline = score(
    'origin: mean of 40 MFCCs',
    cat.analyses.map((a) => a.baseline!),
    qs.analyses.map((a) => a.baseline!),
    cat.rows,
    qs.rows,
  );
  const rhythm = MODES.rhythm;
  const ablation: Scores[] = [];
  for (const b of BLOCKS) {
    ablation.push(scoreWeights(`${b.name} alone`, cat, qs, { [b.name]: 1 }));
    if ((rhythm[b.name] ?? 0) > 0) ablation.push(scoreWeights(`rhythm without ${b.name}`, cat, qs, { ...rhythm, [b.name]: 0 }));
  }
  const all = [...cat.rows, ...qs.rows];
  const est = [...cat.analyses, ...qs.analyses].map((a) => a.tempo);
  const perStyle = new Map<string, { acc1: number; acc2: number }>();
  for (const style of new Set(all.map((r) => r.style))) {
    const idx = all.map((r, i) => (r.style === style ? i : -1)).filter((i) => i >= 0);
    perStyle.set(style, tempoAccuracy(idx.map((i) => est[i]), idx.map((i) => all[i].bpm)));
  }
  return {
    modes,
    baseline,
    ablation,
    chance: chanceLevel(cat.rows.map((r) => r.style)),
    tempo: { ...tempoAccuracy(est, all.map((r) => r.bpm)), n: all.length, perStyle },
  };
}

const f3 = (x: number) => x.toFixed(3);

function table(rows: Scores[], chance: number): string[] {
  return [
    '| descriptor | style P@10 | chance | 1-NN | cross-kit hit@1 | hit@10 | MRR |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((s) => `| ${s.name} | ${f3(s.p10)} | ${f3(chance)} | ${f3(s.nn1)} | ${f3(s.hit1)} | ${f3(s.hit10)} | ${f3(s.mrr)} |`),
  ];
}

/** The report as Markdown: corpus, feature version, time, then the tables. */
export function formatReport(r: EvalReport, meta: { corpus: string; seconds: number }): string {
  const styles = [...r.tempo.perStyle.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  // Where the default mode's style precision is lost (when it was scored).
  const byStyle = r.modes.find((m) => m.name === `groovematch ${DEFAULT_MODE}`)?.byStyle;
  const perStyle = byStyle
    ? [
        `### Style precision by style (${DEFAULT_MODE}; the style its queries' misses go to most, with its share of the 10 nearest)`,
        '',
        '| style | P@10 | most confused with |',
        '|---|---|---|',
        ...[...byStyle.entries()]
          .sort((a, b) => a[0].localeCompare(b[0]))
          .map(([s, p]) => `| ${s} | ${f3(p.p10)} | ${p.confused ? `${p.confused} (${f3(p.confusedShare)})` : '-'} |`),
        '',
      ]
    : [];
  return [
    `## groovematch eval`,
    '',
    `- corpus: ${meta.corpus}`,
    `- feature version: ${FEATURE_VERSION}; similarity: cosine over final vectors (a query's best reading: an octave away less ${ALT_VIEW_PENALTY}, a factor of three away less ${TERNARY_VIEW_PENALTY}), then expanded by its best match as the product ranks uploads; catalogue tracks at the octave reading their neighbours agree on; exact search`,
    `- time: ${meta.seconds.toFixed(1)} s on ${availableParallelism()} cores, ${new Date().toISOString()}`,
    '',
    '### Retrieval (queries on kits never seen by the catalogue)',
    '',
    ...table([...r.modes, r.baseline], r.chance),
    '',
    '### Ablation (which block adds what)',
    '',
    ...table(r.ablation, r.chance),
    '',
    ...perStyle,
    `### Tempo (${r.tempo.n} clips): ACC1 ${f3(r.tempo.acc1)}, ACC2 ${f3(r.tempo.acc2)}`,
    '',
    '| style | ACC1 | ACC2 |',
    '|---|---|---|',
    ...styles.map(([s, a]) => `| ${s} | ${f3(a.acc1)} | ${f3(a.acc2)} |`),
    '',
  ].join('\n');
}
