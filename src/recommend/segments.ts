import { finalVector } from '../features/standardise.js';
import { BLOCKS } from '../features/vector.js';
import type { Analysis } from '../features/types.js';
import type { CatalogView } from './catalog-view.js';
import { clusterCount, kmeans } from './cluster.js';
import { round, similarityFromDistance } from './similarity.js';
import type { SegmentMatch } from './types.js';

/** Catalogue segments reported for each upload window. */
export const MATCHES_PER_WINDOW = 3;

/**
 * Each upload window's nearest catalogue windows, grouped into rhythm clusters by k-means over the
 * matched windows' vectors: rows in one cluster share a groove, whichever track they come from.
 */
export function matchSegments(view: CatalogView, analysis: Analysis, excludeTrackId: number | null): SegmentMatch[] {
  const rows: SegmentMatch[] = [];
  const vectors: Float32Array[] = [];
  // Ask for a few extra in case some belong to the excluded track.
  const extra = excludeTrackId === null ? 0 : Math.ceil(analysis.duration_s / view.hop_s) + 2;
  for (const seg of analysis.segments) {
    const q = finalVector(seg.vector, view.segmentStats, BLOCKS, view.weights);
    const hit = view.segments.query(q, MATCHES_PER_WINDOW + extra);
    let taken = 0;
    for (let i = 0; i < hit.ids.length && taken < MATCHES_PER_WINDOW; i++) {
      const s = view.catalog.segmentByAnnId(hit.ids[i]);
      if (!s || s.track_id === excludeTrackId) continue;
      taken++;
      rows.push({
        query_start_s: round(seg.start_s, 1),
        query_end_s: round(seg.end_s, 1),
        track_id: s.track_id,
        title: s.title,
        path: s.path,
        match_start_s: round(s.start_s, 1),
        match_end_s: round(s.end_s, 1),
        similarity: round(similarityFromDistance(hit.distances[i]), 4),
        cluster: 0,
      });
      vectors.push(finalVector(s.vector, view.segmentStats, BLOCKS, view.weights));
    }
  }
  const clusters = kmeans(vectors, clusterCount(vectors.length));
  rows.forEach((r, i) => (r.cluster = clusters[i]));
  return rows;
}
