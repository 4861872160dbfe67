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

/**
 * log(1 + γ·10^(d/10)) for d in dB, from a table: per cell it replaces an exp and a log1p (most of the onset
 * stages' time) with a short polynomial. Nodes every 1/32 dB over [lo, hi] hold the function and its first two
 * derivatives, so a cell is a second-order Taylor step of at most 1/64 dB from its nearest node: the error is
 * below 1e-9 absolute (and 1e-8 relative), under half a float32 ulp of the stored values. Outside the range it
 * computes the function itself.
 */
export class CompressionTable {
  private static readonly STEP = 1 / 32;
  private readonly lo: number;
  private readonly hi: number;
  private readonly gamma: number;
  /** f, f′, f″/2 at each node. */
  private readonly c: Float64Array;

  constructor(gamma: number, lo: number, hi: number) {
    this.gamma = gamma;
    this.lo = lo;
    this.hi = hi;
    const n = Math.ceil((hi - lo) / CompressionTable.STEP) + 1;
    this.c = new Float64Array(3 * n);
    const a = Math.LN10 / 10;
    for (let i = 0; i < n; i++) {
      const g = gamma * Math.exp((lo + i * CompressionTable.STEP) * a);
      const sigma = g / (1 + g);
      this.c[3 * i] = Math.log1p(g);
      this.c[3 * i + 1] = a * sigma;
      this.c[3 * i + 2] = 0.5 * a * a * sigma * (1 - sigma);
    }
  }

  /** log1p(γ·exp(d·ln10/10)). */
  at(d: number): number {
    if (!(d >= this.lo && d <= this.hi)) return Math.log1p(this.gamma * Math.exp(d * (Math.LN10 / 10)));
    const i = Math.floor((d - this.lo) * 32 + 0.5);
    const x = d - (this.lo + i * CompressionTable.STEP);
    const j = 3 * i;
    const c = this.c;
    return c[j] + x * (c[j + 1] + x * c[j + 2]);
  }

  /** out[m] = at(x[from + m] − sub[m]) for m < n: one row of a spectrogram, each column against its own level. */
  row(x: Float32Array, from: number, sub: Float64Array, out: Float32Array, n: number): void {
    const { lo, hi, c } = this;
    for (let m = 0; m < n; m++) {
      const d = x[from + m] - sub[m];
      if (d >= lo && d <= hi) {
        const i = Math.floor((d - lo) * 32 + 0.5);
        const y = d - (lo + i * CompressionTable.STEP);
        const j = 3 * i;
        out[m] = c[j] + y * (c[j + 1] + y * c[j + 2]);
      } else {
        out[m] = this.at(d);
      }
    }
  }
}

const tables = new Map<number, CompressionTable>();

/** The table for γ over the dB differences a spectrogram floored DB_RANGE (80 dB) down can hold, and a margin. */
function tableFor(gamma: number): CompressionTable {
  let t = tables.get(gamma);
  if (!t) {
    t = new CompressionTable(gamma, -100, 100);
    tables.set(gamma, t);
  }
  return t;
}

/** Mel bins [first, first + count) whose centre lies in each band (centres rise with the bin). */
function bandRanges(centresHz: Float32Array, bandsHz: readonly (readonly [number, number])[]): { first: Int32Array; count: Int32Array } {
  const first = new Int32Array(bandsHz.length);
  const count = new Int32Array(bandsHz.length);
  bandsHz.forEach(([lo, hi], g) => {
    const idx: number[] = [];
    for (let m = 0; m < centresHz.length; m++) if (centresHz[m] >= lo && centresHz[m] < hi) idx.push(m);
    if (idx.some((m, i) => i > 0 && m !== idx[i - 1] + 1)) throw new Error('mel centres must rise with the bin');
    first[g] = idx.length ? idx[0] : 0;
    count[g] = idx.length;
  });
  return { first, count };
}

/**
 * Spectral flux per band: the rise in compressed mel energy from one frame to the next, half-wave
 * rectified (decays are not onsets) and averaged over the mel bands whose centre lies in the band.
 * Compression: log(1 + γ·power) relative to the loudest cell (ONSET_GAMMA). Computed row by row, keeping only
 * the previous compressed row.
 */
export function onsetEnvelopes(spec: MelSpectrogram): OnsetEnvelopes {
  const { frames, nMels, centresHz, db } = spec;
  let max = -Infinity;
  for (let i = 0; i < db.length; i++) if (db[i] > max) max = db[i];
  const table = tableFor(ONSET_GAMMA);
  const { first, count } = bandRanges(centresHz, ONSET_BANDS_HZ);
  const nb = ONSET_BANDS_HZ.length;
  const bands = Array.from({ length: nb }, () => new Float32Array(frames));
  // Compressed rows as float32, as the stored compressed spectrogram was.
  let prev = new Float32Array(nMels);
  let cur = new Float32Array(nMels);
  const flux = new Float32Array(nMels);
  const level = new Float64Array(nMels).fill(max);
  if (frames > 0) table.row(db, 0, level, prev, nMels);
  for (let t = 1; t < frames; t++) {
    table.row(db, t * nMels, level, cur, nMels);
    for (let m = 0; m < nMels; m++) {
      const d = cur[m] - prev[m];
      flux[m] = d > 0 ? d : 0;
    }
    for (let g = 0; g < nb; g++) {
      const n = count[g];
      let s = 0;
      for (let m = first[g], e = first[g] + n; m < e; m++) s += flux[m];
      bands[g][t] = n ? s / n : 0;
    }
    const swap = prev;
    prev = cur;
    cur = swap;
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
  const ref = columnQuantiles(db, frames, nMels, WHITE_QUANTILE);
  const table = tableFor(WHITE_GAMMA);
  const { first, count } = bandRanges(centresHz, PATTERN_BANDS_HZ);
  const nb = PATTERN_BANDS_HZ.length;
  const bands = Array.from({ length: nb }, () => new Float32Array(frames));
  // The whitened rows t − RECENT_FRAMES … t (float32, as the stored whitened spectrogram was), as a ring.
  const depth = RECENT_FRAMES + 1;
  const ring = new Float32Array(depth * nMels);
  const rows = Array.from({ length: depth }, (_, i) => ring.subarray(i * nMels, (i + 1) * nMels));
  const rise = new Float32Array(nMels);
  // back[d − 1]: where row t − d starts in the ring.
  const back = new Int32Array(RECENT_FRAMES);
  for (let t = 0; t < frames; t++) {
    const row = t * nMels;
    const at = (t % depth) * nMels;
    table.row(db, row, ref, rows[t % depth], nMels);
    if (t === 0) continue;
    const reach = Math.min(RECENT_FRAMES, t);
    for (let d = 1; d <= reach; d++) back[d - 1] = ((t - d) % depth) * nMels;
    const b0 = back[0];
    for (let m = 0; m < nMels; m++) {
      let recent = ring[b0 + m];
      for (let d = 1; d < reach; d++) {
        const v = ring[back[d] + m];
        if (v > recent) recent = v;
      }
      const r = ring[at + m] - recent;
      rise[m] = r > 0 ? r : 0;
    }
    for (let g = 0; g < nb; g++) {
      const n = count[g];
      let s = 0;
      for (let m = first[g], e = first[g] + n; m < e; m++) s += rise[m];
      bands[g][t] = n ? s / n : 0;
    }
  }
  return { bands: [...bands, balancedSum(bands, Math.round(spec.fps))], fps: spec.fps };
}

/**
 * The q-quantile of each column of a frames × nMels dB matrix, by a 0.1 dB histogram per column (linear time,
 * where sorting costs n log n), read row by row: a column at a time would walk the whole matrix once per column.
 */
function columnQuantiles(db: Float32Array, frames: number, nMels: number, q: number): Float64Array {
  const lo = new Float64Array(nMels).fill(Infinity);
  const hi = new Float64Array(nMels).fill(-Infinity);
  for (let t = 0; t < frames; t++) {
    const row = t * nMels;
    for (let m = 0; m < nMels; m++) {
      const v = db[row + m];
      if (v < lo[m]) lo[m] = v;
      if (v > hi[m]) hi[m] = v;
    }
  }
  const out = new Float64Array(nMels);
  const MAX_BINS = 4096;
  const bins = new Int32Array(nMels);
  const scale = new Float64Array(nMels);
  for (let m = 0; m < nMels; m++) {
    if (hi[m] > lo[m]) {
      bins[m] = Math.min(MAX_BINS, Math.ceil((hi[m] - lo[m]) * 10) + 1);
      scale[m] = (bins[m] - 1) / (hi[m] - lo[m]);
    }
  }
  const counts = new Uint32Array(nMels * MAX_BINS);
  for (let t = 0; t < frames; t++) {
    const row = t * nMels;
    for (let m = 0; m < nMels; m++) if (bins[m]) counts[m * MAX_BINS + Math.floor((db[row + m] - lo[m]) * scale[m])]++;
  }
  const target = q * (frames - 1);
  for (let m = 0; m < nMels; m++) {
    out[m] = lo[m];
    if (!bins[m]) continue;
    out[m] = hi[m];
    let seen = 0;
    for (let b = 0; b < bins[m]; b++) {
      seen += counts[m * MAX_BINS + b];
      if (seen > target) {
        out[m] = lo[m] + b / scale[m];
        break;
      }
    }
  }
  return out;
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
