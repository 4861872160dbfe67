/**
 * The print rule (src/recommend/segments.ts PRINT_RULE) measured as `serve` ranks uploads, on the generated
 * corpora and on real excerpts together (docs/quality.md): `npx tsx scripts/eval-prints.ts [--seeds 1,2,3]
 * [--n 300] [--seconds 20] [--out /tmp/gm-eval] [--excerpts /tmp/gm-ex]`.
 * Reuses what `groovematch eval` leaves: each seed's corpus and served catalogue (run `eval --seed S` first),
 * and the excerpt catalogue and excerpts of `eval --excerpts ... --out /tmp/gm-ex` (left out when absent).
 * Per rule: served identity hit@1 on each corpus (twin first of 10), how many uploads were said to be inside a
 * track that is not their twin; real excerpts' hit@1, offsets within 2.5 s and within 0.25 s.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCatalog } from '../src/catalog/build.js';
import { ensureCorpus } from '../src/eval/corpus.js';
import { readLabels } from '../src/eval/labels.js';
import { servedDataDir } from '../src/eval/served.js';
import { AnalysisPool } from '../src/features/pool.js';
import type { Analysis } from '../src/features/types.js';
import { openCatalogView, type CatalogView } from '../src/recommend/catalog-view.js';
import { recommendFrom } from '../src/recommend/query.js';
import { PRINT_RULE } from '../src/recommend/segments.js';
import type { PrintRule } from '../src/recommend/types.js';
import { arg } from './args.js';

const seeds = arg('seeds', '1,2,3').split(',').map(Number);
const n = Number(arg('n', '300'));
const seconds = Number(arg('seconds', '20'));
const out = arg('out', '/tmp/gm-eval');
const exDir = arg('excerpts', '/tmp/gm-ex');
const workers = os.cpus().length;
const pool = new AnalysisPool({ workers });
const same = (a: string, b: string) => path.resolve(a) === path.resolve(b);
const log = (s: string) => process.stderr.write(`${s}\n`);

interface Case {
  view: CatalogView;
  analyses: Analysis[];
  /** The right answer per upload. */
  truth: string[];
  offsets?: number[];
}

const corpora: { seed: number; c: Case }[] = [];
for (const seed of seeds) {
  const corpus = await ensureCorpus(out, n, seed, seconds, log);
  const cat = readLabels(path.join(corpus.catalogDir, 'labels.csv'));
  const qs = readLabels(path.join(corpus.queriesDir, 'labels.csv'));
  const dataDir = servedDataDir(out, corpus.catalogDir);
  await buildCatalog({ dirs: [corpus.catalogDir], dataDir, workers, log: () => {} });
  const twin = new Map(cat.map((r) => [r.pattern_id, r.path]));
  corpora.push({
    seed,
    c: {
      view: openCatalogView(dataDir),
      analyses: await Promise.all(qs.map((q) => pool.analyse(q.path, { query: true }))),
      truth: qs.map((q) => twin.get(q.pattern_id) ?? ''),
    },
  });
}

let real: Case | null = null;
const list = fs.existsSync(exDir) ? fs.readdirSync(exDir).find((d) => d.startsWith('excerpts-')) : undefined;
if (list && fs.existsSync(path.join(exDir, 'catalog'))) {
  const ex = JSON.parse(fs.readFileSync(path.join(exDir, list, 'excerpts.json'), 'utf8')) as { file: string; source: string; offset: number }[];
  real = {
    view: openCatalogView(path.join(exDir, 'catalog')),
    analyses: await Promise.all(ex.map((e) => pool.analyse(e.file, { query: true }))),
    truth: ex.map((e) => e.source),
    offsets: ex.map((e) => e.offset),
  };
} else log(`no excerpts under ${exDir}: real recordings left out`);
await pool.close();

function score(c: Case, rule: PrintRule, k: number) {
  let hit = 0;
  let wrongInside = 0;
  let within = 0;
  let exact = 0;
  c.analyses.forEach((a, i) => {
    const r = recommendFrom(c.view, a, { k, print_rule: rule });
    if (r.best[0] && same(r.best[0].path, c.truth[i])) hit++;
    if (r.alignments?.some((x) => !same(x.path, c.truth[i]))) wrongInside++;
    const al = r.alignments?.find((x) => same(x.path, c.truth[i]));
    if (al && c.offsets) {
      const err = Math.abs(al.offset_s - c.offsets[i]);
      if (err <= 2.5) within++;
      if (err <= 0.25) exact++;
    }
  });
  const m = c.analyses.length;
  return { hit: hit / m, wrongInside, within: within / m, exact: exact / m };
}

const rules: [string, PrintRule][] = [['product', PRINT_RULE]];
for (const min of [0.4, 0.5, 0.7]) rules.push([`min ${min}`, { ...PRINT_RULE, min }]);
for (const margin of [0, 0.05, 0.2]) rules.push([`margin ${margin}`, { ...PRINT_RULE, margin }]);
for (const search_s of [2, 3, 7.5]) rules.push([`search ${search_s} s`, { ...PRINT_RULE, search_s }]);
for (const candidates of [5, 20]) rules.push([`candidates ${candidates}`, { ...PRINT_RULE, candidates }]);
for (const eligible of [0.5, 0.7]) rules.push([`eligible ${eligible}`, { ...PRINT_RULE, eligible }]);
rules.push(['no print can win (min 2)', { ...PRINT_RULE, min: 2 }]);

const fmt = (x: number) => x.toFixed(3);
console.log(`| rule | ${corpora.map((c) => `served hit@1 s${c.seed} (inside a non-twin)`).join(' | ')} | real hit@1 | real offset ≤ 2.5 s | ≤ 0.25 s |`);
console.log(`|---|${corpora.map(() => '---|').join('')}---|---|---|`);
for (const [name, rule] of rules) {
  const synth = corpora.map(({ c }) => score(c, rule, 10));
  const r = real && score(real, rule, 5);
  console.log(`| ${name} | ${synth.map((s) => `${fmt(s.hit)} (${s.wrongInside})`).join(' | ')} | ${r ? fmt(r.hit) : '-'} | ${r ? fmt(r.within) : '-'} | ${r ? fmt(r.exact) : '-'} |`);
}
for (const { c } of corpora) c.view.close();
real?.view.close();
