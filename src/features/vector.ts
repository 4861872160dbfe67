import { melSpectrogram, type MelSpectrogram } from './frames.js';
import { PATTERN_BANDS_HZ, onsetEnvelopes, sliceEnvelopes, whitenedEnvelopes, type OnsetEnvelopes } from './onset.js';
import {
  BPM_DIMS,
  LAG_SECONDS,
  PATTERN_LAGS,
  TEMPO_BINS,
  barLength,
  barPattern,
  beatAutocorrelation,
  bpmCode,
  CANONICAL_MIN_BPM,
  canonicalPeriod,
  lagAutocorrelation,
  onsetAutocorrelations,
  patternMaxLag,
  tempoCode,
} from './rhythm.js';
import { spectrogramPrint } from './print.js';
import type { Block } from './standardise.js';
import { estimateTempo } from './tempo.js';
import { N_MFCC, coefficientStats, mfcc } from './timbre.js';
import type { AltFactor, Analysis, BlockWeights, OtherReading, SegmentAnalysis } from './types.js';

/** Changes whenever a stored vector would come out different; catalogues of another version are refused. */
export const FEATURE_VERSION = 'gm10';

export const SEGMENT_WINDOW_S = 10;
export const SEGMENT_HOP_S = 5;

/** The pattern bands and their balanced sum. */
const N_ENVELOPES = PATTERN_BANDS_HZ.length + 1;

function layout(parts: [string, number, boolean][]): Block[] {
  let start = 0;
  return parts.map(([name, length, pooled]) => {
    const b = { name, start, length, pooled };
    start += length;
    return b;
  });
}

/**
 * tempo: where the beat sits on a log-BPM axis; bpm: the exact BPM, octave-folded; pattern: per-band onset
 * autocorrelation at lags in beats; bar: per-band onsets folded over a bar; lag: onset autocorrelation at
 * lags in seconds; timbre: MFCC means and deviations (standardised per coefficient, the rest per block).
 */
export const BLOCKS: readonly Block[] = layout([
  ['tempo', TEMPO_BINS, true],
  ['bpm', BPM_DIMS, true],
  ['pattern', N_ENVELOPES * PATTERN_LAGS, true],
  ['bar', barLength(N_ENVELOPES), true],
  ['lag', 2 * LAG_SECONDS.length, true],
  ['timbre', 2 * N_MFCC, false],
]);

/**
 * Segment windows answer "which span sounds like which span", where the sound of the drums and
 * instruments matters as much as the groove: timbre gets a real share (chosen by excerpt retrieval).
 */
export const SEGMENT_WEIGHTS: BlockWeights = { tempo: 0.05, bpm: 0.05, pattern: 0.1, bar: 0.05, lag: 0.4, timbre: 0.35 };

export const VECTOR_LENGTH = BLOCKS.reduce((n, b) => n + b.length, 0);

/** Rhythm first: what the indexes are built with (the `rhythm` mode). Chosen by `groovematch eval`. */
export const DEFAULT_WEIGHTS: BlockWeights = { tempo: 0.05, bpm: 0.08, pattern: 0.57, bar: 0.3, lag: 0, timbre: 0 };

/** The two onset views of a span: envelopes for the tempo estimate and kit-robust ones for the patterns. */
interface Onsets {
  tempo: OnsetEnvelopes;
  pattern: OnsetEnvelopes;
}

/**
 * A whole track also gets a second reading of its beat-relative blocks an octave away (alt_vector): the
 * canonical octave puts a 170 BPM groove read at half time (85) and the same groove at 150 an octave apart,
 * and the second reading lines them up again. Below this canonical tempo the second reading doubles the
 * tempo, from it up it halves it, so the second reading stays within half an octave of the canonical one's
 * range (57-226 BPM). Catalogue tracks store it (the build may index it instead: src/catalog/readings.ts);
 * uploads are matched by the better of their readings.
 */
export const ALT_SPLIT_BPM = CANONICAL_MIN_BPM * Math.SQRT2;

/**
 * An upload's readings a factor of three away, each moved into the canonical octave: a 6/8 groove read at the
 * eighth on one recording and at the dotted quarter on another, or a one-drop read at 68 and at 102, differ by
 * 3 or 3:2, which no octave lines up.
 */
const TERNARY_FACTORS = [3, 1 / 3] as const;

function concat(parts: Float32Array[]): Float32Array {
  const vector = new Float32Array(VECTOR_LENGTH);
  let o = 0;
  for (const p of parts) {
    vector.set(p, o);
    o += p.length;
  }
  return vector;
}

interface FrameOptions {
  prior?: { priorBpm: number; priorOctaves: number };
  /** Read the whole track an octave away too. */
  alt?: boolean;
  /** Read it a factor of three away too (uploads). */
  ternary?: boolean;
}

function describeFrames(env: Onsets, timbre: Float32Array, opts: FrameOptions = {}) {
  const tempo = estimateTempo(env.tempo.bands, env.tempo.fps, opts.prior);
  const { bands, fps } = env.pattern;
  const beat = canonicalPeriod(tempo.period, fps);
  const altFactor: AltFactor = (fps * 60) / beat < ALT_SPLIT_BPM ? 2 : 0.5;
  const ternary = opts.ternary ? TERNARY_FACTORS.map((f) => canonicalPeriod(beat / f, fps)) : [];
  // The halving reading's beat is twice as long, and so are the lags it reads.
  const longest = Math.max(beat, opts.alt ? beat / altFactor : 0, ...ternary);
  const acfs = onsetAutocorrelations(bands, fps, patternMaxLag(longest, fps));
  const lag = lagAutocorrelation(acfs, fps);
  // The octave-folded BPM code and the octave-aware tempo code need no new reading an octave away; a
  // factor of three moves the tempo itself.
  const read = (period: number, bpm = tempo.bpm) =>
    concat([tempoCode(bpm), bpmCode(bpm), beatAutocorrelation(acfs, period), barPattern(bands, period), lag, timbre]);
  const vector = read(beat);
  const alt = opts.alt ? { vector: read(beat / altFactor), factor: altFactor } : undefined;
  const others: OtherReading[] = ternary.map((p) => ({ factor: beat / p, vector: read(p, (tempo.bpm * beat) / p) }));
  return { vector, alt, others, tempo };
}

/** Start times of the segment windows of a track of the given length; a short track is one window. */
export function segmentStarts(duration: number, window = SEGMENT_WINDOW_S, hop = SEGMENT_HOP_S): number[] {
  if (duration <= window) return [0];
  const starts: number[] = [];
  for (let s = 0; s + window <= duration + 1e-9; s += hop) starts.push(s);
  const last = starts[starts.length - 1];
  // Cover a tail longer than half a hop with one window flush with the end.
  if (duration - (last + window) > hop / 2) starts.push(duration - window);
  return starts;
}

/** Finest hop between an upload's windows, s. */
export const QUERY_MIN_HOP_S = 2;

/**
 * Window hop for an upload: its windows are compared with catalogue windows SEGMENT_HOP_S apart, so a
 * finer hop on the upload side lets some window land within half its hop of the true alignment.
 * Every 2 s rather than 1 s: on 94 real excerpts hit@1 0.957-0.968 and offsets within 2.5 s 0.851-0.872
 * in two runs, against 0.957 and 0.862-0.872 at 1 s (the spread between runs is one or two excerpts),
 * for half the windows (median query 33-37 against 59 ms).
 * At most about 60 windows, so a whole song costs no more than a minute's worth.
 */
export function queryHop(duration: number): number {
  return Math.max(QUERY_MIN_HOP_S, Math.min(SEGMENT_HOP_S, Math.ceil((duration - SEGMENT_WINDOW_S) / 60)));
}

export interface DescribeOptions {
  /** Seconds between segment windows; SEGMENT_HOP_S (the catalogue's) by default. */
  hop?: number;
  /**
   * Also read the whole track a factor of three away (Analysis.ternary): what an upload is matched by besides
   * its octave reading. Catalogue tracks store their two octave readings only.
   */
  alt?: boolean;
}

/** Whole-track and per-segment descriptors of a mono signal, all from one STFT pass. */
export function describe(samples: Float32Array, sampleRate: number, opts: DescribeOptions = {}): Analysis {
  return describeSpectrogram(melSpectrogram(samples, sampleRate), samples.length / sampleRate, opts);
}

/** describe() from the signal's mel spectrogram (e.g. a MelStream's, fed while decoding). */
export function describeSpectrogram(spec: MelSpectrogram, duration: number, opts: DescribeOptions = {}): Analysis {
  const coeffs = mfcc(spec);
  // Onsets are detected once; every window reads its span of the same envelopes, like its MFCCs.
  const env = { tempo: onsetEnvelopes(spec), pattern: whitenedEnvelopes(spec) };
  const whole = describeFrames(env, coefficientStats(coeffs, 0, spec.frames), { alt: true, ternary: opts.alt });
  const segments: SegmentAnalysis[] = segmentStarts(duration, SEGMENT_WINDOW_S, opts.hop ?? SEGMENT_HOP_S).map((start) => {
    const end = Math.min(duration, start + SEGMENT_WINDOW_S);
    const from = Math.round(start * spec.fps);
    const to = Math.min(spec.frames, Math.round(end * spec.fps));
    // A 10 s window holds few bars; the track's tempo guides the segment's choice between octaves.
    const span = { tempo: sliceEnvelopes(env.tempo, from, to), pattern: sliceEnvelopes(env.pattern, from, to) };
    const seg = describeFrames(span, coefficientStats(coeffs, from, to), { prior: { priorBpm: whole.tempo.bpm, priorOctaves: 0.4 } });
    return { start_s: round1(start), end_s: round1(end), tempo: seg.tempo.bpm, vector: seg.vector };
  });
  return {
    feature_version: FEATURE_VERSION,
    duration_s: duration,
    tempo: whole.tempo.bpm,
    tempo_confidence: whole.tempo.confidence,
    vector: whole.vector,
    ...(whole.alt ? { alt_vector: whole.alt.vector, alt_factor: whole.alt.factor } : {}),
    ...(opts.alt ? { ternary: whole.others } : {}),
    segments,
    print: spectrogramPrint(spec),
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
