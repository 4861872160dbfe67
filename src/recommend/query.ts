import { finalVector } from '../features/standardise.js';
import { BLOCKS } from '../features/vector.js';
import { AnalysisPool, type PoolOptions } from '../features/pool.js';
import type { Analysis, BlockWeights } from '../features/types.js';
import type { TrackRow } from '../catalog/store.js';
import { openCatalogView, type CatalogView } from './catalog-view.js';
import { DEFAULT_MODE, sameWeights } from './modes.js';
import { matchSegments, type TrackEvidence } from './segments.js';
import { trackSet } from './track-set.js';
import { topK, weightedCosines } from './weighted.js';
import { EXPANSION_MIN_COS, SAME_TEMPO_POOL, bestReading, expandQuery, otherReadings, round, sameTempoPick, similarityFromCosine, usesSameTempo } from './similarity.js';
import type { Reading, Recommender, RecommendOptions, RecommendResult, TrackMatch } from './types.js';

export const DEFAULT_K = 5;

export interface RecommenderOptions extends PoolOptions {
  /** Analyse at most this many seconds of an upload. */
  maxSeconds?: number;
}

/** A track with its cosine to the upload, shown as a similarity in [0, 1]. */
function toMatch(t: TrackRow, cos: number, reading: Reading = 'as measured'): TrackMatch {
  const sim = similarityFromCosine(cos);
  return {
    id: t.id,
    path: t.path,
    title: t.title,
    artist: t.artist,
    similarity: round(sim, 4),
    reading,
    tempo: round(t.tempo, 1),
    tags: t.tags,
    audio_url: `/tracks/${t.id}/audio`,
  };
}

/** The upload's final vectors under one weighting: its own reading and its other readings, each with its penalty. */
interface Readings {
  q: Float32Array;
  others: { v: Float32Array; penalty: number; reading: Reading }[];
}

function readings(view: CatalogView, analysis: Analysis, weights: BlockWeights): Readings {
  const f = (v: Float32Array) => finalVector(v, view.trackStats, BLOCKS, weights);
  return { q: f(analysis.vector), others: otherReadings(analysis).map((o) => ({ v: f(o.raw), penalty: o.penalty, reading: o.reading })) };
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** A track scored against the upload: its final vector and the best of the upload's readings for it. */
interface Scored {
  t: TrackRow;
  v: Float32Array;
  cos: number;
  /** Index into Readings.others, −1 for the upload as measured. */
  reading: number;
}

function scoreRow(view: CatalogView, t: TrackRow, r: Readings, weights: BlockWeights): Scored {
  const v = finalVector(t.vector, view.trackStats, BLOCKS, weights);
  const best = bestReading(
    dot(r.q, v),
    r.others.map((o) => dot(o.v, v)),
    r.others.map((o) => o.penalty),
  );
  return { t, v, cos: best.cos, reading: best.reading };
}

/**
 * Average query expansion (Chum et al. 2007): the best list is ranked by the upload, read as it matched its
 * best track, plus that track, so the rest of the list is what resembles both and one upload's quirks weigh
 * less. Style precision of the rhythm mode 0.834 / 0.844 / 0.833 → 0.852 / 0.874 / 0.878 on three generated
 * corpora, identity and 1-NN unchanged (`npx tsx scripts/eval-ranking.ts [--seed S]`, last rows). Shown scores keep the
 * best track's own similarity as their scale (a cosine to the expanded query times best / its cosine to the
 * best track), so the list descends and its first score is still the upload's similarity to that track. None
 * when the best track is not a match (cosine below EXPANSION_MIN_COS): it is not pulled towards a stranger.
 */
function expansion(r: Readings, top: Scored | undefined): Expansion | null {
  if (!top || top.cos < EXPANSION_MIN_COS) return null;
  const base = top.reading < 0 ? r.q : r.others[top.reading].v;
  const q = expandQuery(base, top.v);
  const at = dot(q, top.v);
  return at > 0 ? { q, scale: top.cos / at } : null;
}

interface Expansion {
  q: Float32Array;
  scale: number;
}

/** A scored track as shown in the best list: by the upload's readings, or by the expanded query. */
function matcher(r: Readings, ex: Expansion | null): (s: Scored) => TrackMatch {
  return (s) => toMatch(s.t, ex ? dot(ex.q, s.v) * ex.scale : s.cos, s.reading < 0 ? 'as measured' : r.others[s.reading].reading);
}

/** Tracks the index returns for a query vector (its own ranking, not yet scored by both readings). */
function indexHits(view: CatalogView, q: Float32Array, k: number, skip: number | null): TrackRow[] {
  const hit = view.tracks.query(q, k + (skip === null ? 0 : 1));
  const out: TrackRow[] = [];
  for (let i = 0; i < hit.ids.length && out.length < k; i++) {
    const t = view.catalog.trackByAnnId(hit.ids[i]);
    if (t && t.id !== skip) out.push(t);
  }
  return out;
}

function unique(rows: TrackRow[]): TrackRow[] {
  return [...new Map(rows.map((t) => [t.id, t])).values()];
}

/**
 * Candidates for the best list through the index (each reading's nearest), and the worst list (the negated
 * reading's nearest, scored by the upload's own reading only: the other readings can only raise a track's
 * similarity, never lower it).
 */
function indexRanking(view: CatalogView, r: Readings, k: number, bestK: number, skip: number | null) {
  const weights = view.weights;
  const best = unique([...indexHits(view, r.q, bestK, skip), ...r.others.flatMap((o) => indexHits(view, o.v, bestK, skip))]);
  const plain = matcher(r, null);
  const worst = indexHits(view, r.q.map((x) => -x), k, skip)
    .map((t) => plain(scoreRow(view, t, r, weights)))
    .sort((a, b) => a.similarity - b.similarity || a.id - b.id)
    .slice(0, k);
  return { best, worst };
}

/** Candidates an expanded query is ranked among on the exact path: the upload's nearest this many. */
const EXACT_EXPANSION_POOL = 100;

/** The same under weights the index was not built with: exact cosine over every track. */
function exactRanking(view: CatalogView, analysis: Analysis, k: number, skip: number | null, opts: RecommendOptions) {
  const set = trackSet(view);
  const cosines = (raw: Float32Array) => weightedCosines(set.vectors, raw, view.trackStats, opts.weights!);
  const own = cosines(analysis.vector);
  const others = otherReadings(analysis).map((o) => ({ cos: cosines(o.raw), penalty: o.penalty, reading: o.reading }));
  const penalties = others.map((o) => o.penalty);
  const best = Array.from(own, (c, i) => bestReading(c, others.map((o) => o.cos[i]), penalties));
  const cos = Float64Array.from(best, (b) => b.cos);
  const pick = (n: number, lowest: boolean) =>
    topK(cos, n + 1, lowest)
      .map((i) => ({ t: set.tracks[i], b: best[i] }))
      .filter((x) => x.t.id !== skip)
      .slice(0, n);
  return {
    best: pick(Math.max(k, EXACT_EXPANSION_POOL), false).map((x) => x.t),
    worst: pick(k, true).map(({ t, b }) => toMatch(t, b.cos, b.reading < 0 ? 'as measured' : others[b.reading].reading)),
  };
}

/**
 * The nearest candidate at the upload's tempo (sameTempoPick), shown with the upload's own similarity to it
 * (not the expanded query's: it is placed first for what it shares with the upload alone).
 */
function sameTempoFirst(r: Readings, scored: Scored[], tempo: number): TrackMatch | null {
  const i = sameTempoPick(scored.map((_, j) => j), scored.map((s) => s.cos), scored.map((s) => s.t.tempo), tempo);
  return i < 0 ? null : { ...matcher(r, null)(scored[i]), placed_first: 'same tempo' };
}

/** Extra candidates fetched so that segment evidence can reorder the top k. */
const RERANK_POOL = 10;

/**
 * A track that contains the upload's material (most upload windows line up with it at one offset) ranks
 * first, with the larger of its whole-track similarity and its segment agreement: an excerpt of a catalogue
 * track then finds that track even where the excerpt's groove differs from the whole song's. Otherwise
 * `first` (sameTempoFirst's pick) leads, then the whole-track similarity decides.
 */
function withEvidence(
  view: CatalogView,
  candidates: TrackMatch[],
  evidence: Map<number, TrackEvidence>,
  score: (t: TrackRow) => TrackMatch,
  k: number,
  skip: number | null,
  first: TrackMatch | null,
): TrackMatch[] {
  const seen = new Map(candidates.map((t) => [t.id, t]));
  for (const id of evidence.keys()) {
    if (seen.has(id) || id === skip) continue;
    const t = view.catalog.trackById(id);
    if (t) seen.set(id, score(t));
  }
  const aligned = (t: TrackMatch) => (evidence.get(t.id)?.aligned ? 1 : 0);
  const scored = [...seen.values()].map((t) => {
    const e = evidence.get(t.id);
    return e?.aligned && e.score > t.similarity ? { ...t, similarity: round(e.score, 4), reading: 'as measured' as const } : t;
  });
  // Tracks that contain the upload's material come first: that is what someone uploading an excerpt wants.
  const sorted = scored.sort((a, b) => aligned(b) - aligned(a) || b.similarity - a.similarity || a.id - b.id);
  // Otherwise the nearest track at the upload's tempo, marked only where that changes the order.
  const top = sorted[0];
  if (!first || !top || aligned(top) || top.id === first.id) return sorted.slice(0, k);
  return [first, ...sorted.filter((t) => t.id !== first.id)].slice(0, k);
}

/** Best and worst tracks and segment matches for an analysed upload, against an opened catalogue. */
export function recommendFrom(view: CatalogView, analysis: Analysis, opts: RecommendOptions = {}): RecommendResult {
  const k = opts.k ?? DEFAULT_K;
  const same = opts.content_hash ? view.catalog.trackByHash(opts.content_hash) : undefined;
  const skip = same ? same.id : null;
  const weights = opts.weights ?? view.weights;
  const exact = !sameWeights(weights, view.weights);
  const r = readings(view, analysis, weights);
  const pool = k + RERANK_POOL;
  const sameTempoOn = opts.same_tempo_first !== false && usesSameTempo(weights);
  // The same-tempo rule looks among the upload's SAME_TEMPO_POOL nearest; the exact path's pool is wider anyway.
  const bestK = sameTempoOn ? Math.max(pool, SAME_TEMPO_POOL) : pool;
  const ranked = exact ? exactRanking(view, analysis, pool, skip, { ...opts, weights }) : indexRanking(view, r, pool, bestK, skip);
  const score = (t: TrackRow) => scoreRow(view, t, r, weights);
  const scored = ranked.best.map(score).sort((a, b) => b.cos - a.cos || a.t.id - b.t.id);
  const ex = expansion(r, scored[0]);
  const match = matcher(r, ex);
  // The expanded query's own nearest join the candidates (the exact path's are already a wide pool).
  const known = new Set(ranked.best.map((t) => t.id));
  const more = ex && !exact ? indexHits(view, ex.q, pool, skip).filter((t) => !known.has(t.id)) : [];
  const candidates = [...scored, ...more.map(score)]
    .map(match)
    .sort((a, b) => b.similarity - a.similarity || a.id - b.id)
    .slice(0, pool);
  const first = sameTempoOn ? sameTempoFirst(r, scored, analysis.tempo) : null;
  const segments = matchSegments(view, analysis, skip, opts.print_rule);
  const best = withEvidence(view, candidates, segments.evidence, (t) => match(score(t)), k, skip, first);
  // Only tracks that contain the upload's material: a groove that merely repeats lines up anywhere.
  const alignments = best
    .map((t) => segments.evidence.get(t.id))
    .filter((e): e is TrackEvidence => !!e && e.aligned)
    .map((e) => e.alignment);
  return {
    ranking: { mode: opts.mode ?? (exact ? 'custom' : DEFAULT_MODE), weights, search: exact ? 'exact' : 'index', same_tempo_first: sameTempoOn },
    query: {
      tempo: round(analysis.tempo, 1),
      tempo_confidence: round(analysis.tempo_confidence, 2),
      duration_s: round(analysis.duration_s, 1),
    },
    best,
    // In a small catalogue the two ends can meet; a track is shown as one or the other.
    worst: ranked.worst.filter((t) => !best.some((b) => b.id === t.id)).slice(0, k),
    segments: segments.rows,
    alignments,
    excluded_track: same ? { id: same.id, path: same.path, title: same.title } : null,
  };
}

/**
 * One recommendation for the catalogue's first track as if it were an upload, so that the first real upload
 * after a start or a reload does not pay for compiling and first touching the segment search: on the demo
 * catalogue a 30 s upload's first recommendation took 38.7 ms of event loop, later ones 6.6 (`npx tsx
 * scripts/bench-query.ts`, column "recommend, first call"; docs/benchmarks.md run 11). Best effort: an empty or odd catalogue is simply
 * not warmed.
 */
export function warmUp(view: CatalogView): void {
  try {
    const t = view.catalog.trackByAnnId(0);
    if (!t) return;
    const segments = view.catalog.segmentsOfTrack(t.id).map((s) => ({ start_s: s.start_s, end_s: s.end_s, tempo: s.tempo, vector: s.vector }));
    // With other readings too, so that path is compiled as well.
    const analysis = {
      feature_version: t.feature_version, duration_s: t.duration_s, tempo: t.tempo, tempo_confidence: t.tempo_confidence,
      vector: t.vector, alt_vector: t.vector, alt_factor: 2 as const, ternary: [{ factor: 1.5, vector: t.vector }], segments,
      // And its print, so the alignment check is compiled too.
      print: view.catalog.trackPrint(t.id) ?? undefined,
    };
    recommendFrom(view, analysis, { k: DEFAULT_K });
  } catch {
    // Warming is an optimisation; the request that comes first pays instead.
  }
}

/** Open a built catalogue and a worker pool; the Recommender the web stage and CLI use. */
export function createRecommender(dataDir: string, opts: RecommenderOptions = {}): Recommender {
  const view = openCatalogView(dataDir);
  const pool = new AnalysisPool(opts);
  return {
    analyseFile: (path) => pool.analyse(path, { maxSeconds: opts.maxSeconds, query: true }),
    recommend: (analysis, o) => recommendFrom(view, analysis, o),
    trackAudioPath: (id) => view.catalog.trackById(id)?.path ?? null,
    info: () => view.catalog.info(),
    async close() {
      await pool.close();
      view.close();
    },
  };
}
