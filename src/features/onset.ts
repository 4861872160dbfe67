import { lagProducts } from './acf.js';
import type { MelSpectrogram } from './frames.js';

/**
 * Frequency bands in which onsets are tracked separately: kick, bass/toms, snare body,
 * snare crack/claps, hats/cymbals. Their relative timing is what tells grooves apart.
 */
export const ONSET_BANDS_HZ: readonly (readonly [number, number])[] = [
  [30, 150],
  [150, 400],
  [400, 1500],
  [1500, 5000],
  [5000, 11025],
];

export interface OnsetEnvelopes {
  /**
   * One envelope per ONSET_BANDS_HZ band, then their sum with each band scaled to unit RMS last: a kick and
   * a hi-hat count as one onset each whatever the kit's balance, so the sum is what a change of drums keeps.
   */
  bands: Float32Array[];
  fps: number;
}

/**
 * Compression for onset detection: log(1 + γ·power) relative to the loudest cell. Unlike dB it stays
 * near-linear for quiet cells, so a hi-hat's faint leakage into the kick band does not look like a kick.
 */
export const ONSET_GAMMA = 1000;

function compress(spec: MelSpectrogram): Float32Array {
  let max = -Infinity;
  for (const v of spec.db) if (v > max) max = v;
  const out = new Float32Array(spec.db.length);
  // 10^((db − max)/10) as an exponential: the same number, several times cheaper per cell.
  const k = Math.LN10 / 10;
  for (let i = 0; i < out.length; i++) out[i] = Math.log1p(ONSET_GAMMA * Math.exp((spec.db[i] - max) * k));
  return out;
}

/**
 * Spectral flux per band: the rise in compressed mel energy from one frame to the next, half-wave
 * rectified (decays are not onsets) and averaged over the mel bands whose centre lies in the band.
 */
export function onsetEnvelopes(spec: MelSpectrogram): OnsetEnvelopes {
  const { frames, nMels, centresHz } = spec;
  const db = compress(spec);
  const groups = ONSET_BANDS_HZ.map(([lo, hi]) => {
    const idx: number[] = [];
    for (let m = 0; m < nMels; m++) if (centresHz[m] >= lo && centresHz[m] < hi) idx.push(m);
    return idx;
  });
  const bands = groups.map(() => new Float32Array(frames));
  const flux = new Float32Array(nMels);
  for (let t = 1; t < frames; t++) {
    const cur = t * nMels;
    const prev = cur - nMels;
    for (let m = 0; m < nMels; m++) {
      const d = db[cur + m] - db[prev + m];
      flux[m] = d > 0 ? d : 0;
    }
    for (let g = 0; g < groups.length; g++) {
      const idx = groups[g];
      let s = 0;
      for (const m of idx) s += flux[m];
      bands[g][t] = idx.length ? s / idx.length : 0;
    }
  }
  return { bands: [...bands, balancedSum(bands, Math.round(spec.fps))], fps: spec.fps };
}

/** Bands of the pattern envelopes: kick and bass, body of snare and toms, claps and snare wires, hats and cymbals. */
export const PATTERN_BANDS_HZ: readonly (readonly [number, number])[] = [
  [30, 150],
  [150, 600],
  [600, 3000],
  [3000, 11025],
];

/** Compression of a whitened cell: log(1 + γ·power / the bin's own reference). */
const WHITE_GAMMA = 30;
/** A bin's reference level: this quantile of its dB values over the track. */
const WHITE_QUANTILE = 0.9;
/** Frames back that a rise must exceed: reverb tails and their flicker are no new onset. */
const RECENT_FRAMES = 5;

/**
 * Onset envelopes that a change of kit disturbs least (chosen by `groovematch eval`): every mel bin is
 * compressed against its own loud level over the track (adaptive whitening), so a dull kit's faint hats
 * count like a bright kit's, and a rise counts only above the bin's maximum of the last few frames, so a
 * plate reverb's tail does not read as a stream of soft onsets. One envelope per PATTERN_BANDS_HZ band,
 * then their balanced sum.
 */
export function whitenedEnvelopes(spec: MelSpectrogram): OnsetEnvelopes {
  const { frames, nMels, centresHz, db } = spec;
  const white = new Float32Array(db.length);
  const col = new Float32Array(frames);
  const k = Math.LN10 / 10;
  for (let m = 0; m < nMels; m++) {
    for (let t = 0; t < frames; t++) col[t] = db[t * nMels + m];
    const ref = quantile(col, WHITE_QUANTILE);
    for (let t = 0; t < frames; t++) white[t * nMels + m] = Math.log1p(WHITE_GAMMA * Math.exp((col[t] - ref) * k));
  }
  const groups = PATTERN_BANDS_HZ.map(([lo, hi]) => {
    const idx: number[] = [];
    for (let m = 0; m < nMels; m++) if (centresHz[m] >= lo && centresHz[m] < hi) idx.push(m);
    return idx;
  });
  const bands = groups.map(() => new Float32Array(frames));
  const rise = new Float32Array(nMels);
  for (let t = 1; t < frames; t++) {
    const row = t * nMels;
    for (let m = 0; m < nMels; m++) {
      let recent = white[row - nMels + m];
      for (let d = 2; d <= RECENT_FRAMES && d <= t; d++) recent = Math.max(recent, white[row - d * nMels + m]);
      const r = white[row + m] - recent;
      rise[m] = r > 0 ? r : 0;
    }
    for (let g = 0; g < groups.length; g++) {
      const idx = groups[g];
      let s = 0;
      for (const m of idx) s += rise[m];
      bands[g][t] = idx.length ? s / idx.length : 0;
    }
  }
  return { bands: [...bands, balancedSum(bands, Math.round(spec.fps))], fps: spec.fps };
}

/** The q-quantile of x by a 0.1 dB histogram (x holds dB values): linear time, where sorting each bin costs n log n. */
function quantile(x: Float32Array, q: number): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) return lo;
  const bins = Math.min(4096, Math.ceil((hi - lo) * 10) + 1);
  const counts = new Uint32Array(bins);
  const scale = (bins - 1) / (hi - lo);
  for (const v of x) counts[Math.floor((v - lo) * scale)]++;
  const target = q * (x.length - 1);
  let seen = 0;
  for (let b = 0; b < bins; b++) {
    seen += counts[b];
    if (seen > target) return lo + b / scale;
  }
  return hi;
}

/**
 * Frames [from, to) of each band (views, not copies), with the balanced sum rebalanced over just those
 * frames: a window's mix of drums is its own, even if the track's loudest hits sit elsewhere.
 */
export function sliceEnvelopes(env: OnsetEnvelopes, from: number, to: number): OnsetEnvelopes {
  const bands = env.bands.slice(0, -1).map((b) => b.subarray(from, to));
  return { bands: [...bands, balancedSum(bands, Math.round(env.fps))], fps: env.fps };
}

function balancedSum(bands: Float32Array[], window: number): Float32Array {
  const out = new Float32Array(bands[0]?.length ?? 0);
  for (const b of bands) {
    const h = highPass(b, window);
    let s = 0;
    for (const v of h) s += v * v;
    const rms = Math.sqrt(s / Math.max(1, h.length));
    if (rms <= 1e-9) continue;
    for (let i = 0; i < out.length; i++) out[i] += b[i] / rms;
  }
  return out;
}

/**
 * Remove the slowly varying part (crescendos, a fade) so that autocorrelation measures
 * periodicity rather than loudness trends. Window in frames; a centred moving average.
 */
export function highPass(x: Float32Array, window: number): Float32Array {
  const n = x.length;
  const out = new Float32Array(n);
  const half = Math.max(1, Math.floor(window / 2));
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + x[i];
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - half);
    const b = Math.min(n, i + half + 1);
    out[i] = x[i] - (prefix[b] - prefix[a]) / (b - a);
  }
  return out;
}

/**
 * Autocorrelation for lags 0..maxLag, each lag divided by its number of overlapping frames
 * (unbiased) and then by lag 0, so 1 = perfectly periodic. Zero signal gives all zeros.
 */
export function autocorrelation(x: Float32Array, maxLag: number): Float32Array {
  const n = x.length;
  const L = Math.min(maxLag, n - 1);
  const r = new Float32Array(maxLag + 1);
  if (L < 0) return r;
  const sums = lagProducts(x, L);
  const r0 = sums[0] / n;
  if (r0 <= 0) return r;
  for (let lag = 0; lag <= L; lag++) r[lag] = sums[lag] / (n - lag) / r0;
  return r;
}
