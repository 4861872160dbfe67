import { stringify } from 'csv-stringify/sync';
import type { SegmentMatch } from './types.js';

export const CSV_COLUMNS = [
  'query_start_s', 'query_end_s', 'track_id', 'title', 'path',
  'match_start_s', 'match_end_s', 'similarity', 'cluster', 'offset_s', 'rank',
] as const;

export const CSV_FILENAME = 'pied_piper_download.csv';

/** The similar-segments table as CSV text, header first. */
export function segmentsCsv(rows: SegmentMatch[]): string {
  return stringify(
    rows.map((r) => CSV_COLUMNS.map((c) => (c === 'similarity' ? r.similarity.toFixed(4) : r[c] ?? ''))),
    { header: true, columns: [...CSV_COLUMNS] },
  );
}
