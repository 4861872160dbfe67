import { finalVector } from '../features/standardise.js';
import { BLOCKS } from '../features/vector.js';
import type { Analysis } from '../features/types.js';
import type { CatalogView } from './catalog-view.js';
import { clusterCount, kmeans } from './cluster.js';
import { round, similarityFromDistance } from './similarity.js';
import type { Alignment, SegmentMatch } from './types.js';

/** Catalogue windows reported (CSV rows) for each upload window. */
export const MATCHES_PER_WINDOW = 3;
/** Catalogue windows examined per upload window when looking for a consistent offset. */
export const CANDIDATES_PER_WINDOW = 20;

/**
 * Share of upload windows that must agree on one offset, and the agreement score (mean over all upload
 * windows of the agreeing similarity), for a track to rank as containing the upload. Chosen by
 * `groovematch eval --excerpts` on real recordings (docs/quality.md).
 */
export const ALIGNED_SHARE = 0.6;
export const ALIGNED_SCORE = 0.6;
/** The winner's agreeing windows must average this similarity and beat the runner-up's by this margin. */
export const ALIGNED_SIMILARITY = 0.75;
export const ALIGNED_MARGIN = 0.01;

/** A candidate catalogue window for one upload window, before it becomes a CSV row. */
interface Hit extends Omit<SegmentMatch, 'cluster' | 'offset_s'> {
  window: number;
  /** The catalogue segment's row id: its vector is read only for the hits that are reported. */
  segment_id: number;
}

/** Per track: how strongly the upload's windows agree on one offset into it. */
export interface TrackEvidence {
  /** Most of the upload lines up with this track: it contains the upload's material. */
  aligned: boolean;
  /** Mean over all upload windows of the best agreeing similarity (0 where a window does not agree). */
  score: number;
  alignment: Alignment;
}

export interface SegmentResult {
  rows: SegmentMatch[];
  evidence: Map<number, TrackEvidence>;
}

function search(view: CatalogView, analysis: Analysis, skip: number | null): Hit[][] {
  const results = analysis.segments.map((seg) =>
    view.segments.query(finalVector(seg.vector, view.segmentStats, BLOCKS, view.segmentWeights), CANDIDATES_PER_WINDOW));
  const info = view.catalog.segmentInfosByAnnIds(results.flatMap((r) => r.ids));
  return analysis.segments.map((seg, window) => {
    const found = results[window];
    const hits: Hit[] = [];
    for (let i = 0; i < found.ids.length; i++) {
      const s = info.get(found.ids[i]);
      if (!s || s.track_id === skip) continue;
      hits.push({
        window,
        query_start_s: seg.start_s,
        query_end_s: seg.end_s,
        track_id: s.track_id,
        title: s.title,
        path: s.path,
        match_start_s: s.start_s,
        match_end_s: s.end_s,
        similarity: similarityFromDistance(found.distances[i]),
        segment_id: s.id,
        rank: hits.length + 1,
      });
    }
    return hits;
  });
}

/**
 * The offset (track time − upload time) that most upload windows agree on for one track. Catalogue windows
 * are `hop` apart and upload windows more finely spaced, so the best-matching pairs sit close to the true
 * offset; a sharply similarity-weighted mean of the agreeing pairs' offsets estimates it.
 */
function align(hits: Hit[], windows: number, hop: number): TrackEvidence {
  let best = { offset: 0, support: -1 };
  // Offsets repeat (windows sit on a grid), and an offset's support depends on the offset alone.
  const tried = new Set<number>();
  for (const h of hits) {
    const o = h.match_start_s - h.query_start_s;
    if (tried.has(o)) continue;
    tried.add(o);
    let support = 0;
    const perWindow = new Map<number, number>();
    for (const g of hits) {
      if (Math.abs(g.match_start_s - g.query_start_s - o) <= hop / 2 + 1e-6) {
        perWindow.set(g.window, Math.max(perWindow.get(g.window) ?? 0, g.similarity));
      }
    }
    for (const v of perWindow.values()) support += v;
    if (support > best.support) best = { offset: o, support };
  }
  const agreeing = hits.filter((g) => Math.abs(g.match_start_s - g.query_start_s - best.offset) <= hop / 2 + 1e-6);
  let wsum = 0;
  let osum = 0;
  for (const g of agreeing) {
    // Weights sharpened so the clearly better neighbour dominates the interpolation.
    const w = g.similarity ** 16;
    wsum += w;
    osum += w * (g.match_start_s - g.query_start_s);
  }
  const offset = wsum > 0 ? osum / wsum : best.offset;
  const qStart = Math.min(...agreeing.map((g) => g.query_start_s));
  const qEnd = Math.max(...agreeing.map((g) => g.query_end_s));
  const first = hits[0];
  const agreeingWindows = new Set(agreeing.map((g) => g.window)).size;
  const score = best.support / Math.max(1, windows);
  return {
    aligned: agreeingWindows >= Math.max(2, Math.ceil(ALIGNED_SHARE * windows)) && score >= ALIGNED_SCORE,
    score,
    alignment: {
      track_id: first.track_id,
      title: first.title,
      path: first.path,
      offset_s: round(offset, 1),
      query_start_s: round(qStart, 1),
      query_end_s: round(qEnd, 1),
      match_start_s: round(Math.max(0, qStart + offset), 1),
      match_end_s: round(qEnd + offset, 1),
      windows: new Set(agreeing.map((g) => g.window)).size,
      of: windows,
      similarity: round(best.support / Math.max(1, new Set(agreeing.map((g) => g.window)).size), 4),
    },
  };
}

/**
 * A repeating groove lines up with many tracks at many offsets; the track an excerpt was cut from lines up
 * better than any other. So at most one track is marked as containing the upload: the best-agreeing one,
 * and only when it agrees clearly better than the runner-up.
 */
function keepClearWinner(evidence: Map<number, TrackEvidence>): void {
  const ranked = [...evidence.values()].filter((e) => e.aligned).sort((a, b) => b.alignment.similarity - a.alignment.similarity);
  for (const e of ranked.slice(1)) e.aligned = false;
  const [first, second] = ranked;
  if (first && (first.alignment.similarity < ALIGNED_SIMILARITY || (second && first.alignment.similarity - second.alignment.similarity < ALIGNED_MARGIN))) {
    first.aligned = false;
  }
}

/**
 * Each upload window's nearest catalogue windows (the CSV rows, grouped into rhythm clusters by k-means
 * over the matched windows' vectors), and per track the offset its matching windows agree on.
 */
export function matchSegments(view: CatalogView, analysis: Analysis, skip: number | null): SegmentResult {
  const perWindow = search(view, analysis, skip);
  const rows: SegmentMatch[] = [];
  const vectors: Float32Array[] = [];
  for (const hits of perWindow) {
    for (const h of hits.slice(0, MATCHES_PER_WINDOW)) {
      rows.push({
        query_start_s: round(h.query_start_s, 1),
        query_end_s: round(h.query_end_s, 1),
        track_id: h.track_id,
        title: h.title,
        path: h.path,
        match_start_s: round(h.match_start_s, 1),
        match_end_s: round(h.match_end_s, 1),
        similarity: round(h.similarity, 4),
        cluster: 0,
        offset_s: round(h.match_start_s - h.query_start_s, 1),
        rank: h.rank,
      });
      const raw = view.catalog.segmentVector(h.segment_id);
      if (!raw) throw new Error(`segment ${h.segment_id} vanished from the catalogue`);
      vectors.push(finalVector(raw, view.segmentStats, BLOCKS, view.segmentWeights));
    }
  }
  const clusters = kmeans(vectors, clusterCount(vectors.length));
  rows.forEach((r, i) => (r.cluster = clusters[i]));
  const byTrack = new Map<number, Hit[]>();
  for (const h of perWindow.flat()) {
    const list = byTrack.get(h.track_id) ?? [];
    list.push(h);
    byTrack.set(h.track_id, list);
  }
  const evidence = new Map<number, TrackEvidence>();
  for (const [id, hits] of byTrack) evidence.set(id, align(hits, perWindow.length, view.hop_s));
  keepClearWinner(evidence);
  return { rows, evidence };
}
