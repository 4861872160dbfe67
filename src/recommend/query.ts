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
import { round, similarityFromDistance } from './similarity.js';
import type { Recommender, RecommendOptions, RecommendResult, TrackMatch } from './types.js';

export const DEFAULT_K = 5;

export interface RecommenderOptions extends PoolOptions {
  /** Analyse at most this many seconds of an upload. */
  maxSeconds?: number;
}

function toMatch(t: TrackRow, distance: number, negated: boolean): TrackMatch {
  // For the negated query, d² = 2 + 2cos(q, x), so the similarity to q is d²/4.
  const sim = negated ? 1 - similarityFromDistance(distance) : similarityFromDistance(distance);
  return {
    id: t.id,
    path: t.path,
    title: t.title,
    artist: t.artist,
    similarity: round(sim, 4),
    tempo: round(t.tempo, 1),
    tags: t.tags,
    audio_url: `/tracks/${t.id}/audio`,
  };
}

function nearest(view: CatalogView, q: Float32Array, k: number, skip: number | null, negated: boolean): TrackMatch[] {
  const hit = view.tracks.query(q, k + (skip === null ? 0 : 1));
  const out: TrackMatch[] = [];
  for (let i = 0; i < hit.ids.length && out.length < k; i++) {
    const t = view.catalog.trackByAnnId(hit.ids[i]);
    if (t && t.id !== skip) out.push(toMatch(t, hit.distances[i], negated));
  }
  return out;
}

/** Best and worst tracks under weights the index was not built with: exact cosine over every track. */
function exactRanking(view: CatalogView, analysis: Analysis, k: number, skip: number | null, opts: RecommendOptions) {
  const set = trackSet(view);
  const cos = weightedCosines(set.vectors, analysis.vector, view.trackStats, opts.weights!);
  const pick = (lowest: boolean) =>
    topK(cos, k + 1, lowest)
      .map((r) => ({ t: set.tracks[r], c: cos[r] }))
      .filter((x) => x.t.id !== skip)
      .slice(0, k)
      .map(({ t, c }) => toMatch(t, Math.sqrt(Math.max(0, 2 - 2 * c)), false));
  return { best: pick(false), worst: pick(true) };
}

/** Extra candidates fetched so that segment evidence can reorder the top k. */
const RERANK_POOL = 10;

/**
 * A track that contains the upload's material (most upload windows line up with it at one offset) ranks
 * first, with the larger of its whole-track similarity and its segment agreement: an excerpt of a catalogue
 * track then finds that track even where the excerpt's groove differs from the whole song's. Otherwise the
 * whole-track similarity alone decides.
 */
function withEvidence(
  view: CatalogView,
  candidates: TrackMatch[],
  evidence: Map<number, TrackEvidence>,
  q: Float32Array,
  weights: BlockWeights,
  k: number,
  skip: number | null,
): TrackMatch[] {
  const seen = new Map(candidates.map((t) => [t.id, t]));
  for (const id of evidence.keys()) {
    if (seen.has(id) || id === skip) continue;
    const t = view.catalog.trackById(id);
    if (!t) continue;
    const v = finalVector(t.vector, view.trackStats, BLOCKS, weights);
    let dot = 0;
    for (let i = 0; i < v.length; i++) dot += v[i] * q[i];
    seen.set(id, toMatch(t, Math.sqrt(Math.max(0, 2 - 2 * dot)), false));
  }
  const aligned = (t: TrackMatch) => (evidence.get(t.id)?.aligned ? 1 : 0);
  const scored = [...seen.values()].map((t) => {
    const e = evidence.get(t.id);
    return e?.aligned && e.score > t.similarity ? { ...t, similarity: round(e.score, 4) } : t;
  });
  // Tracks that contain the upload's material come first: that is what someone uploading an excerpt wants.
  return scored.sort((a, b) => aligned(b) - aligned(a) || b.similarity - a.similarity || a.id - b.id).slice(0, k);
}

/** Best and worst tracks and segment matches for an analysed upload, against an opened catalogue. */
export function recommendFrom(view: CatalogView, analysis: Analysis, opts: RecommendOptions = {}): RecommendResult {
  const k = opts.k ?? DEFAULT_K;
  const same = opts.content_hash ? view.catalog.trackByHash(opts.content_hash) : undefined;
  const skip = same ? same.id : null;
  const weights = opts.weights ?? view.weights;
  const exact = !sameWeights(weights, view.weights);
  const q = finalVector(analysis.vector, view.trackStats, BLOCKS, view.weights);
  // The least similar tracks of the whole catalogue are the nearest neighbours of the negated query.
  const neg = q.map((x) => -x);
  const pool = k + RERANK_POOL;
  const ranked = exact
    ? exactRanking(view, analysis, pool, skip, { ...opts, weights })
    : { best: nearest(view, q, pool, skip, false), worst: nearest(view, neg, pool, skip, true) };
  const segments = matchSegments(view, analysis, skip);
  const qw = exact ? finalVector(analysis.vector, view.trackStats, BLOCKS, weights) : q;
  const best = withEvidence(view, ranked.best, segments.evidence, qw, weights, k, skip);
  // Only tracks that contain the upload's material: a groove that merely repeats lines up anywhere.
  const alignments = best
    .map((t) => segments.evidence.get(t.id))
    .filter((e): e is TrackEvidence => !!e && e.aligned)
    .map((e) => e.alignment);
  return {
    ranking: { mode: opts.mode ?? (exact ? 'custom' : DEFAULT_MODE), weights, search: exact ? 'exact' : 'index' },
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
