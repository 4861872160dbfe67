/** One catalogue track in a result list. similarity is in [0, 1], 1 = the same. */
export interface TrackMatch {
  id: number;
  path: string;
  title: string | null;
  artist: string | null;
  similarity: number;
  tempo: number;
  tags: string[];
  audio_url: string;
}

/** One (upload window, catalogue window) pair. Times in seconds, 0.1 s resolution. */
export interface SegmentMatch {
  query_start_s: number;
  query_end_s: number;
  track_id: number;
  title: string | null;
  path: string;
  match_start_s: number;
  match_end_s: number;
  similarity: number;
  cluster: number;
}

export interface RecommendResult {
  query: { tempo: number; tempo_confidence: number; duration_s: number };
  best: TrackMatch[];
  worst: TrackMatch[];
  segments: SegmentMatch[];
  /** Set when the upload is byte-identical to a catalogue track, which is then left out. */
  excluded_track: { id: number; path: string; title: string | null } | null;
}

export interface RecommendOptions {
  k?: number;
  /** sha256 hex of the uploaded bytes, to leave out an identical catalogue track. */
  content_hash?: string;
}

export interface CatalogInfo {
  tracks: number;
  segments: number;
  feature_version: string | null;
  index: string | null;
  built_at: string | null;
}

/** What the web stage needs from everything below it. */
export interface Recommender {
  /** Decode and describe an audio file (off the event loop). Throws AudioError for bad input. */
  analyseFile(path: string): Promise<import('../features/types.js').Analysis>;
  recommend(analysis: import('../features/types.js').Analysis, opts?: RecommendOptions): RecommendResult;
  /** Absolute path of a catalogue track's audio, or null for an unknown id. */
  trackAudioPath(id: number): string | null;
  info(): CatalogInfo;
  close(): Promise<void>;
}
