import { lagProducts } from './acf.js';
import { allocate, dsp, f32, f64, i32, release, reuseOrAllocate, type DspKernels } from './dsp.js';
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
  readonly lo: number;
  readonly hi: number;
  private readonly gamma: number;
  /** f, f′, f″/2 at each node. */
  readonly c: Float64Array;

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
    const i = Math.floor((d - this.lo) / CompressionTable.STEP + 0.5);
    const x = d - (this.lo + i * CompressionTable.STEP);
    const j = 3 * i;
    const c = this.c;
    return c[j] + x * (c[j + 1] + x * c[j + 2]);
  }

  /** out[m] = at(x[from + m] − sub[m]) for m < n: one row of a spectrogram, each column against its own level. */
  row(x: Float32Array, from: number, sub: Float64Array, out: Float32Array, n: number): void {
    for (let m = 0; m < n; m++) out[m] = this.at(x[from + m] - sub[m]);
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

/** bands[g][t] = the mean of row over band g's bins (0 for a band without bins). */
function bandMeans(row: Float32Array, first: Int32Array, count: Int32Array, bands: Float32Array[], t: number): void {
  for (let g = 0; g < bands.length; g++) {
    const n = count[g];
    let s = 0;
    for (let m = first[g], e = first[g] + n; m < e; m++) s += row[m];
    bands[g][t] = n ? s / n : 0;
  }
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
  const k = dsp();
  if (k && onsetKernel(k, spec, max, table, first, count, bands)) {
    return { bands: [...bands, balancedSum(bands, Math.round(spec.fps))], fps: spec.fps };
  }
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
    bandMeans(flux, first, count, bands, t);
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
  const table = tableFor(WHITE_GAMMA);
  const { first, count } = bandRanges(centresHz, PATTERN_BANDS_HZ);
  const nb = PATTERN_BANDS_HZ.length;
  const bands = Array.from({ length: nb }, () => new Float32Array(frames));
  const k = dsp();
  if (k && whitenedKernel(k, spec, table, first, count, bands)) {
    return { bands: [...bands, balancedSum(bands, Math.round(spec.fps))], fps: spec.fps };
  }
  const ref = columnQuantiles(db, frames, nMels, WHITE_QUANTILE);
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
    bandMeans(rise, first, count, bands, t);
  }
  return { bands: [...bands, balancedSum(bands, Math.round(spec.fps))], fps: spec.fps };
}

/** Rows per call of the WebAssembly kernels. */
const ROWS = 4096;
const MAX_BINS = 4096;
const MAX_BANDS = 16;

/** Work buffers in the kernels' memory for spectrograms of nMels bins (pointers), and the tables copied there. */
interface OnsetPlan {
  nMels: number;
  db: number;
  out: number;
  a: number;
  b: number;
  scratch: number;
  ring: number;
  first: number;
  count: number;
  lo: number;
  hi: number;
  scale: number;
  bins: number;
  counts: number;
  ref: number;
  tables: Map<CompressionTable, number>;
}

const onsetPlans = new Map<number, OnsetPlan>();

function onsetPlan(k: DspKernels, nMels: number): OnsetPlan {
  let p = onsetPlans.get(nMels);
  if (!p) {
    p = {
      nMels,
      db: allocate(k, 4 * ROWS * nMels),
      out: allocate(k, 4 * ROWS * MAX_BANDS),
      a: allocate(k, 4 * nMels),
      b: allocate(k, 4 * nMels),
      scratch: allocate(k, 4 * nMels),
      ring: allocate(k, 4 * (RECENT_FRAMES + 1) * nMels),
      first: allocate(k, 4 * MAX_BANDS),
      count: allocate(k, 4 * MAX_BANDS),
      lo: allocate(k, 8 * nMels),
      hi: allocate(k, 8 * nMels),
      scale: allocate(k, 8 * nMels),
      bins: allocate(k, 4 * nMels),
      counts: allocate(k, 4 * nMels * MAX_BINS),
      ref: allocate(k, 8 * nMels),
      tables: new Map(),
    };
    onsetPlans.set(nMels, p);
  }
  return p;
}

function tablePtr(k: DspKernels, p: OnsetPlan, t: CompressionTable): number {
  let ptr = p.tables.get(t);
  if (ptr === undefined) {
    ptr = allocate(k, 8 * t.c.length);
    f64(k, ptr, t.c.length).set(t.c);
    p.tables.set(t, ptr);
  }
  return ptr;
}

/** Calls f(t0, rows) for each block of spectrogram rows, with the block copied to p.db. */
function eachBlock(k: DspKernels, p: OnsetPlan, spec: MelSpectrogram, f: (t0: number, rows: number) => void): void {
  const { db, frames, nMels } = spec;
  for (let t0 = 0; t0 < frames; t0 += ROWS) {
    const rows = Math.min(ROWS, frames - t0);
    f32(k, p.db, rows * nMels).set(db.subarray(t0 * nMels, (t0 + rows) * nMels));
    f(t0, rows);
  }
}

/** Rows × nb band values (row-major) from p.out into the band envelopes at t0. */
function scatter(k: DspKernels, p: OnsetPlan, t0: number, rows: number, bands: Float32Array[]): void {
  const nb = bands.length;
  const out = f32(k, p.out, rows * nb);
  for (let g = 0; g < nb; g++) {
    const b = bands[g];
    for (let r = 0; r < rows; r++) b[t0 + r] = out[r * nb + g];
  }
}

function setBands(k: DspKernels, p: OnsetPlan, first: Int32Array, count: Int32Array): boolean {
  if (first.length > MAX_BANDS) return false;
  i32(k, p.first, first.length).set(first);
  i32(k, p.count, count.length).set(count);
  return true;
}

/** onsetEnvelopes' bands by the WebAssembly kernel; false (bands untouched or to be redone) if it cannot. */
function onsetKernel(k: DspKernels, spec: MelSpectrogram, max: number, table: CompressionTable, first: Int32Array, count: Int32Array, bands: Float32Array[]): boolean {
  const p = onsetPlan(k, spec.nMels);
  if (!setBands(k, p, first, count)) return false;
  const tp = tablePtr(k, p, table);
  let bad = 0;
  eachBlock(k, p, spec, (t0, rows) => {
    bad |= k.onset_rows(p.db, t0, rows, spec.nMels, max, tp, table.lo, table.hi, p.first, p.count, bands.length, p.a, p.b, p.scratch, p.out);
    scatter(k, p, t0, rows, bands);
  });
  return bad === 0;
}

/** whitenedEnvelopes' bands by the WebAssembly kernels (quantiles as columnQuantiles computes them). */
function whitenedKernel(k: DspKernels, spec: MelSpectrogram, table: CompressionTable, first: Int32Array, count: Int32Array, bands: Float32Array[]): boolean {
  const { frames, nMels } = spec;
  const p = onsetPlan(k, nMels);
  if (!setBands(k, p, first, count)) return false;
  f64(k, p.lo, nMels).fill(Infinity);
  f64(k, p.hi, nMels).fill(-Infinity);
  eachBlock(k, p, spec, (_t0, rows) => k.column_range(p.db, rows, nMels, p.lo, p.hi));
  const lo = Float64Array.from(f64(k, p.lo, nMels));
  const hi = Float64Array.from(f64(k, p.hi, nMels));
  const bins = new Int32Array(nMels);
  const scale = new Float64Array(nMels);
  histogramShape(lo, hi, bins, scale);
  f64(k, p.scale, nMels).set(scale);
  i32(k, p.bins, nMels).set(bins);
  new Uint32Array(k.memory.buffer, p.counts, nMels * MAX_BINS).fill(0);
  eachBlock(k, p, spec, (_t0, rows) => k.column_histogram(p.db, rows, nMels, p.lo, p.scale, p.bins, p.counts, MAX_BINS));
  const ref = quantilesFromCounts(new Uint32Array(k.memory.buffer, p.counts, nMels * MAX_BINS), lo, hi, bins, scale, frames, WHITE_QUANTILE);
  f64(k, p.ref, nMels).set(ref);
  const tp = tablePtr(k, p, table);
  let bad = 0;
  eachBlock(k, p, spec, (t0, rows) => {
    bad |= k.whitened_rows(p.db, t0, rows, nMels, p.ref, tp, table.lo, table.hi, p.ring, RECENT_FRAMES + 1, p.first, p.count, bands.length, p.scratch, p.out);
    scatter(k, p, t0, rows, bands);
  });
  return bad === 0;
}

/** Per column, the 0.1 dB histogram's bin count (0: a constant column) and scale, from its range. */
function histogramShape(lo: Float64Array, hi: Float64Array, bins: Int32Array, scale: Float64Array): void {
  for (let m = 0; m < lo.length; m++) {
    if (hi[m] > lo[m]) {
      bins[m] = Math.min(MAX_BINS, Math.ceil((hi[m] - lo[m]) * 10) + 1);
      scale[m] = (bins[m] - 1) / (hi[m] - lo[m]);
    }
  }
}

/** The q-quantile of each column from its histogram (counts[m·MAX_BINS + bin]). */
function quantilesFromCounts(counts: Uint32Array, lo: Float64Array, hi: Float64Array, bins: Int32Array, scale: Float64Array, frames: number, q: number): Float64Array {
  const out = new Float64Array(lo.length);
  const target = q * (frames - 1);
  for (let m = 0; m < lo.length; m++) {
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
  const bins = new Int32Array(nMels);
  const scale = new Float64Array(nMels);
  histogramShape(lo, hi, bins, scale);
  const counts = new Uint32Array(nMels * MAX_BINS);
  for (let t = 0; t < frames; t++) {
    const row = t * nMels;
    for (let m = 0; m < nMels; m++) if (bins[m]) counts[m * MAX_BINS + Math.floor((db[row + m] - lo[m]) * scale[m])]++;
  }
  return quantilesFromCounts(counts, lo, hi, bins, scale, frames, q);
}

/**
 * Frames [from, to) of each band (views, not copies), with the balanced sum rebalanced over just those
 * frames: a window's mix of drums is its own, even if the track's loudest hits sit elsewhere.
 */
export function sliceEnvelopes(env: OnsetEnvelopes, from: number, to: number): OnsetEnvelopes {
  const bands = env.bands.slice(0, -1).map((b) => b.subarray(from, to));
  return { bands: [...bands, balancedSum(bands, Math.round(env.fps))], fps: env.fps };
}

/** Work space in the kernels' memory for envelopes of up to `frames` frames and `bands` bands, regrown when short. */
let envSpace = { frames: 0, bands: 0, region: { ptr: 0, bytes: 0 } };

function envelopeSpace(k: DspKernels, frames: number, bands: number): { x: number; scratch: number; prefix: number; out: number } {
  if (envSpace.frames < frames || envSpace.bands < bands) {
    if (envSpace.region.bytes) release(envSpace.region);
    const f = Math.max(frames, 2 * envSpace.frames, 1024);
    const b = Math.max(bands, envSpace.bands, 8);
    envSpace = { frames: f, bands: b, region: reuseOrAllocate(k, 4 * f * b + 4 * f + 8 * (f + 1) + 4 * f + 64) };
  }
  const f = envSpace.frames;
  const x = (envSpace.region.ptr + 15) & ~15;
  const scratch = x + 4 * f * envSpace.bands;
  const out = scratch + 4 * f;
  const prefix = (out + 4 * f + 7) & ~7;
  return { x, scratch, prefix, out };
}

/** Envelopes shorter than this stay in JavaScript: copying them in and out would cost what it saves. */
const KERNEL_MIN_FRAMES = 64;

function balancedSum(bands: Float32Array[], window: number): Float32Array {
  const n = bands[0]?.length ?? 0;
  const k = n >= KERNEL_MIN_FRAMES && bands.every((b) => b.length === n) ? dsp() : null;
  if (k) {
    const w = envelopeSpace(k, n, bands.length);
    const x = f32(k, w.x, n * bands.length);
    bands.forEach((b, g) => x.set(b, g * n));
    k.balanced_sum(w.x, bands.length, n, Math.max(1, Math.floor(window / 2)), w.scratch, w.prefix, w.out);
    return f32(k, w.out, n).slice();
  }
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
  const half = Math.max(1, Math.floor(window / 2));
  const k = n >= KERNEL_MIN_FRAMES ? dsp() : null;
  if (k) {
    const w = envelopeSpace(k, n, 1);
    f32(k, w.x, n).set(x);
    k.high_pass(w.x, n, half, w.prefix, w.out);
    return f32(k, w.out, n).slice();
  }
  const out = new Float32Array(n);
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
