import { finalVector } from '../features/standardise.js';
import { BLOCKS } from '../features/vector.js';
import { AnalysisPool, type PoolOptions } from '../features/pool.js';
import type { Analysis } from '../features/types.js';
import type { TrackRow } from '../catalog/store.js';
import { openCatalogView, type CatalogView } from './catalog-view.js';
import { DEFAULT_MODE, sameWeights } from './modes.js';
import { matchSegments } from './segments.js';
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
  const ranked = exact
    ? exactRanking(view, analysis, k, skip, { ...opts, weights })
    : { best: nearest(view, q, k, skip, false), worst: nearest(view, neg, k, skip, true) };
  return {
    ranking: { mode: opts.mode ?? (exact ? 'custom' : DEFAULT_MODE), weights, search: exact ? 'exact' : 'index' },
    query: {
      tempo: round(analysis.tempo, 1),
      tempo_confidence: round(analysis.tempo_confidence, 2),
      duration_s: round(analysis.duration_s, 1),
    },
    best: ranked.best,
    worst: ranked.worst,
    segments: matchSegments(view, analysis, skip),
    excluded_track: same ? { id: same.id, path: same.path, title: same.title } : null,
  };
}

/** Open a built catalogue and a worker pool; the Recommender the web stage and CLI use. */
export function createRecommender(dataDir: string, opts: RecommenderOptions = {}): Recommender {
  const view = openCatalogView(dataDir);
  const pool = new AnalysisPool(opts);
  return {
    analyseFile: (path) => pool.analyse(path, { maxSeconds: opts.maxSeconds }),
    recommend: (analysis, o) => recommendFrom(view, analysis, o),
    trackAudioPath: (id) => view.catalog.trackById(id)?.path ?? null,
    info: () => view.catalog.info(),
    async close() {
      await pool.close();
      view.close();
    },
  };
}
