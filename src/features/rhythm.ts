import { fftOf, maxNear } from './acf.js';
import { autocorrelation, highPass } from './onset.js';

/** Tempo code: Gaussian bumps on a log2-BPM axis from TEMPO_MIN to TEMPO_MAX, 1/16 octave apart. */
export const TEMPO_MIN = 40;
export const TEMPO_MAX = 240;
const TEMPO_STEP = 1 / 16;
export const TEMPO_BINS = Math.round(Math.log2(TEMPO_MAX / TEMPO_MIN) / TEMPO_STEP) + 1;

/**
 * Tempo as a smooth position on a log axis, so 118 and 122 BPM are close and 60 and 120 are not
 * the same. Half and double tempo get a smaller bump: a groove at 85 BPM felt in half time at 170
 * is related, not identical.
 */
export function tempoCode(bpm: number): Float32Array {
  const out = new Float32Array(TEMPO_BINS);
  const add = (b: number, gain: number) => {
    const pos = Math.log2(b / TEMPO_MIN) / TEMPO_STEP;
    for (let i = 0; i < TEMPO_BINS; i++) {
      const d = (i - pos) / 0.75;
      out[i] += gain * Math.exp(-0.5 * d * d);
    }
  };
  add(bpm, 1);
  add(bpm * 2, 0.3);
  add(bpm / 2, 0.3);
  return out;
}

/**
 * Harmonics of the tempo circle (cycles per octave) drawn from the spectrum of a Gaussian kernel 0.3 % wide:
 * the mean of cos(2π·h·Δ) over them approximates that kernel of the octave-folded BPM difference Δ (0.64 at
 * 0.3 % apart, 0.03 at 1 %), in 64 numbers where a bump code this sharp needs ~280. The set was picked from
 * seeded random draws for small side lobes beyond 1 % (a one-off search, not kept; test/features.test.ts
 * checks them below 0.25 from 122 to 236 BPM against 120).
 */
const HARMONICS: readonly number[] = [
  1, 2, 4, 6, 7, 8, 8, 9, 9, 13, 14, 16, 18, 21, 25, 26, 27, 28, 29, 30, 32, 37, 41, 45, 46, 49, 51, 54, 55, 56, 57, 62,
];
export const BPM_DIMS = 2 * HARMONICS.length;

/**
 * The exact BPM, folded into one octave: two tracks at the same BPM (a DJ's first question) match, one
 * 1 % faster hardly at all. The fold makes a half- or double-tempo reading of the same track match too.
 * Cosine of two codes = the kernel above; with a weight of a few per cent it is an identity tie-breaker.
 */
export function bpmCode(bpm: number): Float32Array {
  const out = new Float32Array(BPM_DIMS);
  if (!(bpm > 0) || !Number.isFinite(bpm)) return out;
  const phase = ((Math.log2(bpm) % 1) + 1) % 1;
  HARMONICS.forEach((h, j) => {
    out[2 * j] = Math.cos(2 * Math.PI * h * phase);
    out[2 * j + 1] = Math.sin(2 * Math.PI * h * phase);
  });
  return out;
}

/** Beat-relative blocks measure the beat in this octave, whatever level the tempo estimate chose. */
export const CANONICAL_MIN_BPM = 80;

/**
 * The beat period (frames) moved by octaves into [CANONICAL_MIN_BPM, 2·CANONICAL_MIN_BPM): a groove read
 * at half tempo on one recording and at full tempo on another then gives the same beat-relative numbers.
 */
export function canonicalPeriod(period: number, fps: number): number {
  let bpm = (fps * 60) / period;
  if (!(bpm > 0) || !Number.isFinite(bpm)) return period;
  while (bpm < CANONICAL_MIN_BPM) bpm *= 2;
  while (bpm >= 2 * CANONICAL_MIN_BPM) bpm /= 2;
  return (fps * 60) / bpm;
}

/** The beat-relative autocorrelation is read every 1/PATTERN_DIVISIONS beat up to PATTERN_BEATS beats. */
export const PATTERN_DIVISIONS = 12;
export const PATTERN_BEATS = 8;
export const PATTERN_LAGS = PATTERN_DIVISIONS * PATTERN_BEATS;

/**
 * Each envelope's onset autocorrelation (high-passed over a second) to maxLag frames: computed once per span and
 * read by both the beat-relative and the absolute-lag blocks.
 */
export function onsetAutocorrelations(bands: Float32Array[], fps: number, maxLag: number): Float32Array[] {
  return bands.map((env) => autocorrelation(highPass(env, Math.round(fps)), maxLag));
}

/** Half the width within which beatAutocorrelation takes each lag's maximum, frames. */
function beatRadius(period: number): number {
  return Math.max(1, period / (2 * PATTERN_DIVISIONS));
}

/** The lags (frames) beatAutocorrelation reads for a beat period, and lagAutocorrelation at a frame rate. */
export function patternMaxLag(period: number, fps: number): number {
  const beat = Math.ceil(period * PATTERN_BEATS + beatRadius(period)) + 1;
  const lag = Math.ceil(LAG_SECONDS[LAG_SECONDS.length - 1] * fps) + 2;
  return Math.max(beat, lag);
}

/**
 * Each envelope's autocorrelation at lags of k/12 beat, k = 1 … 96 (eight beats: the bar of every common
 * meter; twelfths hold eighths, triplets and, within the pooling, sixteenths), each the maximum within
 * ±1/24 beat so humanised timing and a slightly wrong tempo still hit the peak. Period: canonicalPeriod's,
 * so the same groove played faster gives the same numbers. (Every 1/24 beat: the same style precision
 * with twice the dimensions; every 1/6: lower.) acfs: onsetAutocorrelations to patternMaxLag.
 */
export function beatAutocorrelation(acfs: Float32Array[], period: number): Float32Array {
  const out = new Float32Array(acfs.length * PATTERN_LAGS);
  const radius = beatRadius(period);
  acfs.forEach((r, b) => {
    for (let k = 1; k <= PATTERN_LAGS; k++) out[b * PATTERN_LAGS + k - 1] = maxNear(r, (k / PATTERN_DIVISIONS) * period, radius);
  });
  return out;
}

/** Steps of the 4-beat cycle each band is folded into, and the cycle harmonics read from the fold. */
const CYCLE_STEPS = 64;
export const BAR_HARMONICS = 16;

/** Numbers per envelope set of n envelopes: every band's harmonic magnitudes, then each band's phase against the first. */
export function barLength(n: number): number {
  return n * BAR_HARMONICS + (n - 1) * 2 * BAR_HARMONICS;
}

/**
 * Where in a 4-beat cycle each band's onsets fall (a Pohle-style onset pattern), read so that the unknown
 * phase of the cycle cannot matter: each band's envelope is folded over the cycle and scaled to unit sum,
 * then described by the magnitudes of its first BAR_HARMONICS cycle harmonics (4 = the beat, 8 eighths,
 * 12 triplets, 16 sixteenths) and, for every other band, its phase at each harmonic relative to the first
 * (kick) band's, as X_b·conj(X_0)/|X_0|. A shift of the whole cycle leaves both unchanged. It replaced
 * gm7's fold rotated to its strongest kick step, whose choice flipped between equal steps (four-on-the-floor:
 * cosine 0.44 between 110 and 111 BPM renderings of one house groove). `groovematch eval`, ablation row "bar
 * alone", seed 1: style P@10 0.703 with gm7's fold, 0.781 with this one.
 */
export function barPattern(bands: Float32Array[], period: number): Float32Array {
  const nb = bands.length;
  const cycle = 4 * period;
  const fold = bands.map(() => new Float64Array(CYCLE_STEPS));
  const count = new Float64Array(CYCLE_STEPS);
  const n = bands[0]?.length ?? 0;
  for (let t = 0; t < n; t++) {
    const s = Math.floor(((t / cycle) % 1) * CYCLE_STEPS) % CYCLE_STEPS;
    count[s]++;
    for (let b = 0; b < nb; b++) fold[b][s] += bands[b][t];
  }
  const re = new Float64Array(nb * BAR_HARMONICS);
  const im = new Float64Array(nb * BAR_HARMONICS);
  const fft = fftOf(CYCLE_STEPS);
  const spectrum = fft.createComplexArray() as number[];
  fold.forEach((f, b) => {
    let sum = 0;
    for (let s = 0; s < CYCLE_STEPS; s++) {
      f[s] = count[s] ? f[s] / count[s] : 0;
      sum += f[s];
    }
    if (!(sum > 0)) return;
    fft.realTransform(spectrum, f);
    for (let h = 1; h <= BAR_HARMONICS; h++) {
      re[b * BAR_HARMONICS + h - 1] = spectrum[2 * h] / sum;
      im[b * BAR_HARMONICS + h - 1] = spectrum[2 * h + 1] / sum;
    }
  });
  const out = new Float32Array(barLength(nb));
  for (let j = 0; j < nb * BAR_HARMONICS; j++) out[j] = Math.hypot(re[j], im[j]);
  let o = nb * BAR_HARMONICS;
  for (let b = 1; b < nb; b++) {
    for (let h = 0; h < BAR_HARMONICS; h++) {
      const m0 = Math.hypot(re[h], im[h]) + 1e-9;
      const j = b * BAR_HARMONICS + h;
      out[o++] = (re[j] * re[h] + im[j] * im[h]) / m0;
      out[o++] = (im[j] * re[h] - re[j] * im[h]) / m0;
    }
  }
  return out;
}

/** Absolute lags of the log-lag autocorrelation: 0.1 s to 4 s, 16 per octave (fine enough to tell 1 % of tempo). */
export const LAG_SECONDS: readonly number[] = Array.from({ length: 86 }, (_, i) => 0.1 * 2 ** (i / 16));

/**
 * The low band's and the balanced sum's onset autocorrelation at absolute log-spaced lags (Gruhne et al.):
 * needs no tempo estimate, so an octave error cannot move it; a tempo change shifts it along the axis.
 * Of all envelope pairs these two survive a change of kit best (measured by `groovematch eval`).
 * acfs: onsetAutocorrelations to patternMaxLag.
 */
export function lagAutocorrelation(acfs: Float32Array[], fps: number): Float32Array {
  const pair = [acfs[0], acfs[acfs.length - 1]];
  const out = new Float32Array(pair.length * LAG_SECONDS.length);
  pair.forEach((r, b) => {
    LAG_SECONDS.forEach((s, j) => {
      out[b * LAG_SECONDS.length + j] = interp(r, s * fps);
    });
  });
  return out;
}

function interp(r: Float32Array, x: number): number {
  const i = Math.floor(x);
  if (i < 0 || i + 1 >= r.length) return 0;
  const f = x - i;
  return r[i] * (1 - f) + r[i + 1] * f;
}
