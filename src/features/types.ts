/** What the analysis of one audio file produces. Vectors are raw (not standardised). */
export interface Analysis {
  feature_version: string;
  duration_s: number;
  /** Estimated tempo in beats per minute. */
  tempo: number;
  /** 0..1, how clearly one periodicity dominates. */
  tempo_confidence: number;
  /** Whole-track descriptor, length = VECTOR_LENGTH of src/features/vector.ts. */
  vector: Float32Array;
  /**
   * The whole-track descriptor with its beat-relative blocks read at double the canonical tempo, when that
   * tempo is below ALT_VIEW_BELOW_BPM; an upload is matched by the better of its two readings. Not stored.
   */
  alt_vector?: Float32Array;
  segments: SegmentAnalysis[];
  /** The origin's MFCC-mean descriptor, only when asked for (evaluation). */
  baseline?: Float32Array;
}

export interface SegmentAnalysis {
  start_s: number;
  end_s: number;
  tempo: number;
  vector: Float32Array;
}

/** Per-dimension catalogue statistics used to standardise raw vectors before cosine. */
export interface FeatureStats {
  mean: Float32Array;
  std: Float32Array;
}

/** Relative weight of each descriptor block in the final vector. */
export type BlockWeights = Record<string, number>;
