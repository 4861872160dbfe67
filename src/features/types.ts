import type { Print } from './print.js';

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
   * The whole-track descriptor with its beat-relative blocks read an octave from the canonical tempo (up
   * below ALT_SPLIT_BPM, down from it). A catalogue track stores it and the build may index it instead of
   * `vector` (src/catalog/readings.ts); an upload is matched by the better of its readings.
   */
  alt_vector?: Float32Array;
  /** The tempo factor of alt_vector's reading. */
  alt_factor?: AltFactor;
  /** Uploads only (DescribeOptions.alt): the whole track read a factor of three away (3:2, 3:4, 2:3 or 4:3). */
  ternary?: OtherReading[];
  segments: SegmentAnalysis[];
  /** The spectrogram coarsened to bytes (src/features/print.ts): tells the same audio from a groove like it. */
  print?: Print;
  /** The origin's MFCC-mean descriptor, only when asked for (evaluation). */
  baseline?: Float32Array;
}

export interface SegmentAnalysis {
  start_s: number;
  end_s: number;
  tempo: number;
  vector: Float32Array;
}

/** A whole-track reading at another beat: factor = its beat's tempo over the canonical beat's. */
export interface OtherReading {
  factor: number;
  vector: Float32Array;
}

/** A second reading at double (2) or half (0.5) the canonical tempo. */
export type AltFactor = 2 | 0.5;

/** Per-dimension catalogue statistics used to standardise raw vectors before cosine. */
export interface FeatureStats {
  mean: Float32Array;
  std: Float32Array;
}

/** Relative weight of each descriptor block in the final vector. */
export type BlockWeights = Record<string, number>;
