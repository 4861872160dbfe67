/** How the upload's beat was read: as measured, an octave away, or a factor of three away (new tempo : measured). */
export type Reading = 'as measured' | 'double time' | 'half time' | '3:2 time' | '3:4 time' | '2:3 time' | '4:3 time';

/** One catalogue track in a result list. similarity is in [0, 1], 1 = the same. */
export interface TrackMatch {
  id: number;
  path: string;
  title: string | null;
  artist: string | null;
  similarity: number;
  /**
   * How the upload's beat was read for this match: as measured, or felt at double or half the tempo
   * (Analysis.alt_vector) or at 3:2, 3:4, 2:3 or 4:3 of it (Analysis.ternary) where that reading matched
   * better after its penalty.
   */
  reading: Reading;
  /**
   * Why the track is first although a later one scores higher: 'same tempo' for the nearest match that plays
   * at the upload's tempo (src/recommend/similarity.ts, sameTempoPick). Absent on every other track.
   */
  placed_first?: 'same tempo';
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
  /** match_start_s − query_start_s */
  offset_s: number;
  /** 1 = this upload window's closest catalogue window. */
  rank: number;
}

/** Where the upload lines up with a track: the offset most of its matching windows agree on. */
export interface Alignment {
  track_id: number;
  title: string | null;
  path: string;
  /** Track time = upload time + offset_s. */
  offset_s: number;
  query_start_s: number;
  query_end_s: number;
  match_start_s: number;
  match_end_s: number;
  /** Upload windows that agree on this offset, and how many windows the upload has. */
  windows: number;
  of: number;
  similarity: number;
  /** How closely the upload's spectrogram follows the track's at offset_s (−1…1; src/features/print.ts). */
  print_correlation?: number;
}

export interface RecommendResult {
  query: { tempo: number; tempo_confidence: number; duration_s: number };
  /** The mode and weights the tracks were ranked with. */
  ranking?: {
    mode: string;
    weights: import('../features/types.js').BlockWeights;
    search: 'index' | 'exact';
    /** Whether the nearest match at the upload's tempo could go first (TrackMatch.placed_first). */
    same_tempo_first: boolean;
  };
  best: TrackMatch[];
  worst: TrackMatch[];
  segments: SegmentMatch[];
  /** For each best track that shares material with the upload, where they line up. */
  alignments?: Alignment[];
  /** Set when the upload is byte-identical to a catalogue track, which is then left out. */
  excluded_track: { id: number; path: string; title: string | null } | null;
}

export interface RecommendOptions {
  k?: number;
  /** Block weights to rank tracks by; the catalogue's own (the index's) when absent. */
  weights?: import('../features/types.js').BlockWeights;
  /** Name of the mode the weights came from, echoed in the result. */
  mode?: string;
  /** sha256 hex of the uploaded bytes, to leave out an identical catalogue track. */
  content_hash?: string;
  /**
   * false: rank the best list by similarity alone, without placing the nearest match at the upload's tempo
   * first. The rule applies by default wherever the weights count the exact tempo (usesSameTempo).
   */
  same_tempo_first?: boolean;
  /** How an upload is judged to be inside a track (segments.ts PRINT_RULE); for evaluation scripts. */
  print_rule?: PrintRule;
}

/** Which tracks' prints are compared with the upload's, and what counts as the same audio (segments.ts). */
export interface PrintRule {
  /** Seconds either side of the windows' offset searched. */
  search_s: number;
  /** Tracks compared: the best this many by window agreement... */
  candidates: number;
  /** ...whose agreeing windows average at least this similarity. */
  eligible: number;
  /** Correlation the best print must reach, and its lead over the next. */
  min: number;
  margin: number;
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
  analyseFile(path: string, call?: import('../features/pool.js').CallOptions): Promise<import('../features/types.js').Analysis>;
  recommend(analysis: import('../features/types.js').Analysis, opts?: RecommendOptions): RecommendResult;
  /** Absolute path of a catalogue track's audio, or null for an unknown id. */
  trackAudioPath(id: number): string | null;
  info(): CatalogInfo;
  close(): Promise<void>;
}
