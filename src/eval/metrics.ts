import { EXPANSION_MIN_COS, bestReading, expandQuery, sameTempoPick } from '../recommend/similarity.js';

/**
 * Retrieval and tempo metrics, defined as in the project's shared notes so figures compare across runs:
 * similarity is cosine over final vectors and a query's own item is always left out. A query with other
 * readings is ranked as the product ranks an upload: by the best of its cosines, each other reading's less its
 * penalty (ALT_VIEW_PENALTY, TERNARY_VIEW_PENALTY), then by the expanded query (rankByCosine's `expand`).
 */

/** An upload's other reading as a final vector, with what it must win by. */
export interface OtherView {
  v: Float32Array;
  penalty: number;
}

/** Share of each query's 10 nearest items with the query's label, averaged over queries. */
export function precisionAtK(neighbours: number[][], queryLabels: string[], itemLabels: string[], k = 10): number {
  let sum = 0;
  neighbours.forEach((nn, q) => {
    sum += labelShare(nn.slice(0, k), queryLabels[q], itemLabels);
  });
  return neighbours.length ? sum / neighbours.length : 0;
}

/** Share of the items `top` with the label. */
function labelShare(top: number[], label: string, itemLabels: string[]): number {
  return top.filter((i) => itemLabels[i] === label).length / Math.max(1, top.length);
}

export interface LabelPrecision {
  p10: number;
  /** The other label most often among the k nearest of this label's queries, and its share of them. */
  confused: string | null;
  confusedShare: number;
}

/** precisionAtK per query label, with the label each one's misses most often go to. */
export function precisionByLabel(neighbours: number[][], queryLabels: string[], itemLabels: string[], k = 10): Map<string, LabelPrecision> {
  const acc = new Map<string, { sum: number; n: number; slots: number; wrong: Map<string, number> }>();
  neighbours.forEach((nn, q) => {
    const label = queryLabels[q];
    let a = acc.get(label);
    if (!a) acc.set(label, (a = { sum: 0, n: 0, slots: 0, wrong: new Map() }));
    const top = nn.slice(0, k);
    a.sum += labelShare(top, label, itemLabels);
    a.n++;
    a.slots += top.length;
    for (const i of top) if (itemLabels[i] !== label) a.wrong.set(itemLabels[i], (a.wrong.get(itemLabels[i]) ?? 0) + 1);
  });
  const out = new Map<string, LabelPrecision>();
  for (const [label, a] of acc) {
    let confused: string | null = null;
    let most = 0;
    for (const [l, c] of [...a.wrong].sort((x, y) => x[0].localeCompare(y[0]))) if (c > most) [confused, most] = [l, c];
    out.set(label, { p10: a.sum / a.n, confused, confusedShare: a.slots ? most / a.slots : 0 });
  }
  return out;
}

/** Precision expected from a random ranking: the sum over labels of (share of label)². */
export function chanceLevel(itemLabels: string[]): number {
  const counts = new Map<string, number>();
  for (const l of itemLabels) counts.set(l, (counts.get(l) ?? 0) + 1);
  let s = 0;
  for (const c of counts.values()) s += (c / itemLabels.length) ** 2;
  return s;
}

/** Share of queries whose nearest item carries the query's label. */
export function oneNnAccuracy(neighbours: number[][], queryLabels: string[], itemLabels: string[]): number {
  const hits = neighbours.filter((nn, q) => nn.length > 0 && itemLabels[nn[0]] === queryLabels[q]).length;
  return neighbours.length ? hits / neighbours.length : 0;
}

export interface IdentityScores {
  hit1: number;
  hit10: number;
  mrr: number;
}

/** Where each query's own target item ranks: hit@1, hit@10 and mean reciprocal rank. */
export function identity(rankings: number[][], targets: number[]): IdentityScores {
  let h1 = 0;
  let h10 = 0;
  let rr = 0;
  rankings.forEach((rank, q) => {
    const pos = rank.indexOf(targets[q]);
    if (pos === 0) h1++;
    if (pos >= 0 && pos < 10) h10++;
    if (pos >= 0) rr += 1 / (pos + 1);
  });
  const n = Math.max(1, rankings.length);
  return { hit1: h1 / n, hit10: h10 / n, mrr: rr / n };
}

/** ACC1: within ±4 % of the annotation; ACC2: also at ×2, ×3, ½ or ⅓ of it. */
export function tempoAccuracy(estimates: number[], truth: number[], tolerance = 0.04): { acc1: number; acc2: number } {
  let a1 = 0;
  let a2 = 0;
  estimates.forEach((e, i) => {
    const ok = (f: number) => Math.abs(e - truth[i] * f) <= tolerance * truth[i] * f;
    if (ok(1)) a1++;
    if ([1, 2, 3, 1 / 2, 1 / 3].some(ok)) a2++;
  });
  const n = Math.max(1, estimates.length);
  return { acc1: a1 / n, acc2: a2 / n };
}

/** Tempi of the query and of every row, for the product's same-tempo rule (sameTempoPick). */
export interface Tempi {
  query: number;
  items: ArrayLike<number>;
  /** sameTempoPick's pool and tolerance, its defaults (the product's) when absent. */
  pool?: number;
  tolerance?: number;
}

/**
 * Indices of all rows sorted by descending cosine to the query (or its best reading), leaving out `skip`;
 * with `expand`, re-ranked as the product ranks an upload's best list: by the reading that matched the first
 * row plus that row (average query expansion, src/recommend/query.ts); with `tempi`, the nearest row at the
 * query's tempo first, as the product puts it (sameTempoPick).
 */
export function rankByCosine(
  query: Float32Array,
  items: Float32Array[],
  skip = -1,
  others: readonly OtherView[] = [],
  expand = false,
  tempi?: Tempi,
): number[] {
  const dot = (a: Float32Array, b: Float32Array) => {
    let d = 0;
    for (let j = 0; j < b.length; j++) d += a[j] * b[j];
    return d;
  };
  const norm = (v: Float32Array) => Math.sqrt(dot(v, v)) || 1;
  const unit = (v: Float32Array) => {
    const n = norm(v);
    return v.map((x) => x / n);
  };
  const qn = norm(query);
  const on = others.map((o) => norm(o.v));
  const penalties = others.map((o) => o.penalty);
  const vn = items.map(norm);
  // As the product ranks an upload: the best of its readings, each less its penalty (src/recommend/similarity.ts).
  const best = items.map((v, i) => bestReading(dot(query, v) / (qn * vn[i]), others.map((o, j) => dot(o.v, v) / (on[j] * vn[i])), penalties));
  const cos = best.map((b) => b.cos);
  const order = (score: (i: number) => number) =>
    Array.from(items.keys())
      .filter((i) => i !== skip)
      .sort((a, b) => score(b) - score(a) || a - b);
  const ranked = order((i) => cos[i]);
  const top = ranked[0];
  let out = ranked;
  if (expand && top !== undefined && cos[top] >= EXPANSION_MIN_COS) {
    const reading = best[top].reading < 0 ? query : others[best[top].reading].v;
    const q = expandQuery(unit(reading), unit(items[top]));
    const expanded = items.map((v, i) => dot(q, v) / vn[i]);
    out = order((i) => expanded[i]);
  }
  const first = tempi ? sameTempoPick(ranked, cos, tempi.items, tempi.query, tempi.pool, tempi.tolerance) : -1;
  return first < 0 ? out : [first, ...out.filter((i) => i !== first)];
}
