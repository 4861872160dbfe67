import { finalVector } from '../features/standardise.js';
import { BLOCKS, SEGMENT_HOP_S } from '../features/vector.js';
import { matchPrints, printFrames, slicePrint, type Print, type PrintMatch } from '../features/print.js';
import type { Analysis } from '../features/types.js';
import type { CatalogView } from './catalog-view.js';
import { clusterCount, kmeans } from './cluster.js';
import { round, similarityFromDistance } from './similarity.js';
import type { Alignment, PrintRule, SegmentMatch } from './types.js';

/** Catalogue windows reported (CSV rows) for each upload window. */
export const MATCHES_PER_WINDOW = 3;
/** Catalogue windows examined per upload window when looking for a consistent offset. */
export const CANDIDATES_PER_WINDOW = 20;

/** A candidate catalogue window for one upload window, before it becomes a CSV row. */
interface Hit extends Omit<SegmentMatch, 'cluster' | 'offset_s'> {
  window: number;
  /** The catalogue segment's row id: its vector is read only for the hits that are reported. */
  segment_id: number;
}

/** Per track: how strongly the upload's windows agree on one offset into it. */
export interface TrackEvidence {
  /** The upload is this track's audio at the alignment's offset (verifyWinner): it contains the upload. */
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
  return {
    // verifyWinner decides, from the prints.
    aligned: false,
    score: best.support / Math.max(1, windows),
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
 * Prints compared near the windows' offset: within a catalogue hop of it (the windows' own estimate can be that
 * far off), for the best few tracks by window agreement (at least two agreeing windows, whatever their share);
 * a print must reach `min` and lead by `margin` every other print matched over the same part of the upload. Chosen on the three generated corpora
 * and the 94 real excerpts together (`npx tsx scripts/eval-prints.ts`; docs/quality.md): served identity hit@1
 * 0.987 / 0.990 / 0.987 and real hit@1 0.968 at 0.6; 0.4 gives real 0.989 but calls another groove at
 * the same tempo "inside" a track far more often (test/segments.test.ts: 12 of 18 against 2).
 */
export const PRINT_RULE: PrintRule = { search_s: SEGMENT_HOP_S, candidates: 10, eligible: 0.6, min: 0.6, margin: 0.1 };

/**
 * An upload up to PRINT_WHOLE_S long is compared whole (the real excerpts are 20 s, the generated clips 20 and
 * 40 s: compared 20 s at a time, the 40 s clips' served hit@1 fell from 0.980 to 0.973); a longer one PRINT_SPAN_S
 * at a time, so its cost does not grow with its length and a passage inside it is not diluted.
 */
export const PRINT_WHOLE_S = 60;
export const PRINT_SPAN_S = 20;
/** Spans of a longer upload tried, spread over where its windows agree. */
const PRINT_SPANS = 6;

/** A print match and the part of the upload it covers, s. */
interface SpanMatch extends PrintMatch {
  from_s: number;
  to_s: number;
}

/**
 * The upload's print matched with a track's near their offset: all of it, or for a longer upload up to
 * PRINT_SPANS spans of PRINT_SPAN_S spread over where its windows agree (they may agree over more than the
 * passage, when the music around it is alike), the best span deciding. The offset is the upload's (track time
 * − upload time), like the alignment's; the part covered is the whole upload, or the spans that reach `min`
 * at that offset.
 */
function matchSpan(upload: Print, track: Print, a: Alignment, rule: PrintRule, whole: boolean): SpanMatch {
  const span = Math.round(PRINT_SPAN_S * upload.fps);
  const frames = printFrames(upload);
  if (whole) {
    return { ...matchPrints(upload, track, a.offset_s, rule.search_s), from_s: 0, to_s: frames / upload.fps };
  }
  const first = Math.max(0, Math.min(frames - span, Math.round(a.query_start_s * upload.fps)));
  const last = Math.max(first, Math.min(frames - span, Math.round(a.query_end_s * upload.fps) - span));
  const tries = Math.min(PRINT_SPANS, 1 + Math.ceil((last - first) / (span / 3)));
  const spans = Array.from({ length: tries }, (_, i) => {
    const from = tries === 1 ? first : Math.round(first + ((last - first) * i) / (tries - 1));
    const start = from / upload.fps;
    // Windows that agree over more than the passage pull their offset further off: search twice as far.
    const m = matchPrints(slicePrint(upload, from, from + span), track, a.offset_s + start, 2 * rule.search_s);
    return { correlation: m.correlation, offset_s: m.offset_s - start, from_s: start, to_s: (from + span) / upload.fps };
  });
  const best = spans.reduce((x, y) => (y.correlation > x.correlation ? y : x));
  const agree = spans.filter((m) => m.correlation >= rule.min && Math.abs(m.offset_s - best.offset_s) <= 0.5);
  return {
    ...best,
    from_s: Math.min(best.from_s, ...agree.map((m) => m.from_s)),
    to_s: Math.max(best.to_s, ...agree.map((m) => m.to_s)),
  };
}

/**
 * A repeating groove lines up with many tracks at many offsets, since window vectors do not see where a
 * groove's cycle starts; the recording an excerpt was cut from lines up in its spectrogram too. So of the few
 * tracks whose windows agree best, a track is marked as containing the upload where its print correlates with
 * the upload's near the agreed offset, and clearly better than any other track's over that part of the upload:
 * at most one for an excerpt, one per passage for a longer upload. Its offset is the prints' (a frame is 46 ms;
 * the windows' offset is a similarity-weighted mean of 5 s steps).
 */
function verifyWinner(view: CatalogView, analysis: Analysis, evidence: Map<number, TrackEvidence>, rule: PrintRule): void {
  const upload = analysis.print;
  if (!upload) return;
  const whole = printFrames(upload) <= Math.round(PRINT_WHOLE_S * upload.fps);
  const ranked = [...evidence.values()]
    .filter((e) => e.alignment.windows >= 2 && e.alignment.similarity >= rule.eligible)
    .sort((a, b) => b.alignment.similarity - a.alignment.similarity)
    .slice(0, rule.candidates);
  const matched = ranked
    .map((e) => {
      const p = view.catalog.trackPrint(e.alignment.track_id);
      return { e, m: p ? matchSpan(upload, p, e.alignment, rule, whole) : null };
    })
    .filter((x): x is { e: TrackEvidence; m: SpanMatch } => x.m !== null)
    .sort((a, b) => b.m.correlation - a.m.correlation);
  // Each track is judged against the tracks whose prints match the same part of the upload: a mix of two
  // catalogue tracks contains both; an upload compared whole (an excerpt) holds at most one.
  for (const c of matched) {
    if (c.m.correlation < rule.min) break;
    if (matched.some((o) => o !== c && competes(o.m, c.m) && o.m.correlation > c.m.correlation - rule.margin)) continue;
    const a = c.e.alignment;
    // Where a longer upload plays the track: the spans whose prints agree, not the windows' wider guess.
    const q0 = whole ? a.query_start_s : round(c.m.from_s, 1);
    const q1 = whole ? a.query_end_s : round(c.m.to_s, 1);
    c.e.aligned = true;
    c.e.alignment = {
      ...a,
      offset_s: round(c.m.offset_s, 1),
      query_start_s: q0,
      query_end_s: q1,
      match_start_s: round(Math.max(0, q0 + c.m.offset_s), 1),
      match_end_s: round(q1 + c.m.offset_s, 1),
      print_correlation: round(c.m.correlation, 4),
    };
  }
}

/** Two print matches cover the same part of the upload: they overlap by more than half the shorter. */
function competes(x: SpanMatch, y: SpanMatch): boolean {
  const overlap = Math.min(x.to_s, y.to_s) - Math.max(x.from_s, y.from_s);
  return overlap > 0.5 * Math.min(x.to_s - x.from_s, y.to_s - y.from_s);
}

/**
 * Each upload window's nearest catalogue windows (the CSV rows, grouped into rhythm clusters by k-means
 * over the matched windows' vectors), and per track the offset its matching windows agree on.
 */
export function matchSegments(view: CatalogView, analysis: Analysis, skip: number | null, rule: PrintRule = PRINT_RULE): SegmentResult {
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
  verifyWinner(view, analysis, evidence, rule);
  return { rows, evidence };
}
