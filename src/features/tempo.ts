import { acfPlan, acfSize, maxNear } from './acf.js';
import { dsp, f32 } from './dsp.js';
import { autocorrelation, highPass } from './onset.js';

export interface TempoEstimate {
  bpm: number;
  /** 0..1: the normalised autocorrelation at the beat period (the sum's, or the median band's if higher). */
  confidence: number;
  /** Beat period in envelope frames (fractional). */
  period: number;
}

export interface TempoOptions {
  minBpm?: number;
  maxBpm?: number;
  /** Centre of the log-normal tempo prior, in BPM. */
  priorBpm?: number;
  /** Width of the prior, in octaves (standard deviation of log2 tempo). */
  priorOctaves?: number;
  /** How many multiples of a candidate period must repeat (the comb). */
  combSize?: number;
  /** Weight of the backbeat evidence: a band repeating at two periods but not at one. */
  backbeat?: number;
}

function at(r: Float32Array, x: number): number {
  const i = Math.floor(x);
  if (i < 0 || i + 1 >= r.length) return 0;
  const f = x - i;
  return r[i] * (1 - f) + r[i + 1] * f;
}

function smooth(x: Float32Array): Float32Array {
  const k = [1, 2, 3, 2, 1];
  const n = x.length;
  const out = new Float32Array(n);
  const edge = (i: number) => {
    let s = 0;
    let w = 0;
    for (let j = -2; j <= 2; j++) {
      if (i + j >= 0 && i + j < n) {
        s += x[i + j] * k[j + 2];
        w += k[j + 2];
      }
    }
    out[i] = s / w;
  };
  for (let i = 0; i < Math.min(2, n); i++) edge(i);
  // Inside, all five taps exist: the same sum in the same order, the weights summing to 9.
  for (let i = 2; i < n - 2; i++) out[i] = (x[i - 2] + x[i - 1] * 2 + x[i] * 3 + x[i + 1] * 2 + x[i + 2]) / 9;
  for (let i = Math.max(2, n - 2); i < n; i++) edge(i);
  return out;
}

/**
 * autocorrelation(smooth(highPass(e, window)), maxLag): in one call of the WebAssembly kernels (the same steps,
 * the same arithmetic: the same numbers) where they load and the envelope is long enough to be worth it.
 */
function smoothedAcf(e: Float32Array, window: number, maxLag: number): Float32Array {
  const n = e.length;
  const L = Math.min(maxLag, n - 1);
  const k = n >= 64 && L >= 0 ? dsp() : null;
  const size = acfSize(n, L);
  const p = k ? acfPlan(k, size) : null;
  if (!k || !p || maxLag + 1 > p.capacity) return autocorrelation(smooth(highPass(e, window)), maxLag);
  f32(k, p.x, n).set(e);
  // The result goes where the input was (read only by the high-pass, which comes first).
  k.tempo_acf(p.x, n, Math.max(1, Math.floor(window / 2)), maxLag, size, p.tw, p.work, p.out, p.y, p.r, p.x);
  return f32(k, p.x, maxLag + 1).slice();
}

/** Autocorrelation at half or a third of a period from which it counts as fully subdivided. */
const SUBDIVISION_FULL = 0.2;

/** Vertex of the parabola through (i−1, i, i+1): sub-frame peak position. */
function parabolicPeak(r: Float32Array, i: number): number {
  if (i <= 0 || i >= r.length - 1) return i;
  const a = r[i - 1];
  const b = r[i];
  const c = r[i + 1];
  const d = a - 2 * b + c;
  // Only a true local maximum has its vertex within half a frame; anything else keeps the frame itself.
  const delta = d < 0 ? (0.5 * (a - c)) / d : 0;
  return Math.abs(delta) <= 0.5 ? i + delta : i;
}

/** The highest local maximum of r within ±radius of x, refined to sub-frame precision. */
function peakNear(r: Float32Array, x: number, radius: number): number | null {
  let best = -1;
  let bestV = -Infinity;
  for (let i = Math.max(1, Math.floor(x - radius)); i <= Math.min(r.length - 2, Math.ceil(x + radius)); i++) {
    if (r[i] >= r[i - 1] && r[i] >= r[i + 1] && r[i] > bestV) {
      bestV = r[i];
      best = i;
    }
  }
  return best < 0 ? null : parabolicPeak(r, best);
}


/** Middle value (the upper one of an even count). */
function median(v: number[]): number {
  v.sort((a, b) => b - a);
  return v[Math.floor(v.length / 2)];
}

/** median() of the first n values of v, sorting v in place (insertion sort: n is the handful of bands). */
function medianOf(v: Float64Array, n: number): number {
  for (let i = 1; i < n; i++) {
    const x = v[i];
    let j = i - 1;
    while (j >= 0 && v[j] < x) {
      v[j + 1] = v[j];
      j--;
    }
    v[j + 1] = x;
  }
  return v[Math.floor(n / 2)];
}

/** Scratch for the per-band values of one period (estimateTempo is synchronous, so one is enough). */
let scratch = new Float64Array(16);

/**
 * An autocorrelation with its running maxima: near[w − 1][x] = maxNear(r, x, w) for whole x and w, so that
 * combSupport at whole periods reads each multiple's maximum instead of scanning for it (the same maxima).
 */
interface Comb {
  r: Float32Array;
  near: Float32Array[];
}

function withMaxima(r: Float32Array, widest: number): Comb {
  const n = r.length;
  const near: Float32Array[] = [];
  // Width 1 directly; width w + 1 at x joins width w's windows at x − 1 and x + 1 (clipped at the ends).
  let m = new Float32Array(n);
  for (let x = 0; x < n; x++) {
    let v = r[x];
    if (x > 0 && r[x - 1] > v) v = r[x - 1];
    if (x + 1 < n && r[x + 1] > v) v = r[x + 1];
    m[x] = v;
  }
  near.push(m);
  for (let w = 2; w <= widest; w++) {
    const prev = m;
    m = new Float32Array(n);
    for (let x = 0; x < n; x++) {
      const a = x > 0 ? prev[x - 1] : -Infinity;
      const b = x + 1 < n ? prev[x + 1] : prev[x];
      m[x] = a > b ? a : b;
    }
    near.push(m);
  }
  return { r, near };
}

/** maxNear(c.r, x, 1), from the maxima where x is whole and inside. */
function near1(c: Comb, x: number): number {
  return Number.isInteger(x) && x >= 0 && x + 1 <= c.r.length - 1 ? c.near[0][x] : maxNear(c.r, x, 1);
}

/**
 * Harmonic mean of the autocorrelation at the first multiples of a period. Every multiple must repeat:
 * a cross-rhythm period (3 sixteenths in 4/4, a tresillo's dotted quarter, half a dotted quarter in 6/8)
 * repeats at some multiples and not at others, and the harmonic mean lets one miss sink it.
 * For a whole tau, from the maxima (scanning only where a window passes the end of the ACF).
 */
function combSupportAt(c: Comb, tau: number, size: number): number {
  const r = c.r;
  let inv = 0;
  let n = 0;
  for (let k = 1; k <= size; k++) {
    if (k > 2 && k * tau + 1 >= r.length) break;
    const radius = Math.max(1, 0.5 * k);
    const w = Math.ceil(radius);
    const x = k * tau;
    const v = x + w <= r.length - 1 && w <= c.near.length ? c.near[w - 1][x] : maxNear(r, x, radius);
    inv += 1 / Math.max(0.02, v);
    n++;
  }
  return n / inv;
}

/**
 * How well a period repeats in the sum, or failing that in the bands: a pulse kept by the median band
 * still counts when one loud band (a long clap on 2 and 4) swamps the sum.
 */
function periodSupport(sum: Comb, bands: Comb[], tau: number, size: number): number {
  const c = combSupportAt(sum, tau, size);
  if (bands.length < 3) return c;
  if (scratch.length < bands.length) scratch = new Float64Array(bands.length);
  for (let b = 0; b < bands.length; b++) scratch[b] = combSupportAt(bands[b], tau, size);
  return Math.max(c, medianOf(scratch, bands.length));
}

/**
 * Backbeat evidence for a beat period: some band repeats at two beats but not at one, which is what kick
 * and snare alternating on the beats look like. It tells the beat from half or double its rate, where the
 * comb alone cannot (a half-tempo period repeats at least as well as the beat).
 */
function backbeat(bands: Comb[], tau: number): number {
  let best = 0;
  for (const b of bands) {
    // A band that repeats at two thirds of 2T already (kick on every beat when T is 1.5 beats) has its own
    // shorter period, of which 2T is merely a multiple.
    const own = Math.max(0, near1(b, tau), near1(b, (2 * tau) / 3));
    best = Math.max(best, near1(b, 2 * tau) - own);
  }
  return best;
}

/** The sum's autocorrelation at a period, or the median band's if higher (as in periodSupport). */
function pulseStrength(sum: Float32Array, bands: Float32Array[], period: number): number {
  const v = at(sum, period);
  if (bands.length < 3) return v;
  return Math.max(v, median(bands.map((b) => at(b, period))));
}

/**
 * 0..1: whether something plays between the beats of a period (the sum repeats at its half or third).
 * A beat is subdivided; without this, kick on the beat and hat on the off-beat would read as a
 * backbeat at the eighth note.
 */
function subdivided(sum: Float32Array, tau: number): number {
  const between = Math.max(0, maxNear(sum, tau / 2, 1), maxNear(sum, tau / 3, 1));
  return Math.min(1, between / SUBDIVISION_FULL);
}

/** Mean of the sum's and the bands' autocorrelations, for refining and for the confidence. */
function meanAcf(sum: Float32Array, bands: Float32Array[]): Float32Array {
  if (!bands.length) return sum;
  const out = Float32Array.from(sum);
  for (const b of bands) for (let i = 0; i < out.length; i++) out[i] += b[i];
  for (let i = 0; i < out.length; i++) out[i] /= bands.length + 1;
  return out;
}

/** Refine a period from the peaks at its multiples: each estimate k·P / k has k times less error per frame. */
function refine(r: Float32Array, tau: number, lo: number, hi: number): number {
  const first = peakNear(r, tau, 2) ?? tau;
  const ref = at(r, first);
  let num = first;
  let den = 1;
  for (const k of [2, 3, 4, 6, 8]) {
    if (k * first + 3 >= r.length) break;
    const p = peakNear(r, k * first, Math.max(2, 0.03 * k * first));
    if (p === null || r[Math.round(p)] < 0.5 * ref) continue;
    num += p;
    den += k;
  }
  return Math.min(hi, Math.max(lo, num / den));
}

/**
 * Global tempo from onset envelopes: one envelope, or the per-band envelopes followed by their sum
 * (OnsetEnvelopes.bands). Every period in range is scored by how well its first multiples repeat, by a
 * log-normal tempo prior, and, given bands, by backbeat evidence; the best is refined from its multiples.
 */
export function estimateTempo(env: Float32Array | readonly Float32Array[], fps: number, opts: TempoOptions = {}): TempoEstimate {
  const envs = env instanceof Float32Array ? [env] : env;
  const minBpm = opts.minBpm ?? 40;
  const maxBpm = opts.maxBpm ?? 240;
  const prior = opts.priorBpm ?? 130;
  const sigma = opts.priorOctaves ?? 0.7;
  const combSize = opts.combSize ?? 4;
  const backbeatWeight = opts.backbeat ?? 1;
  const n = envs[envs.length - 1].length;
  const maxLag = Math.max(1, Math.min(n - 1, Math.ceil((fps * 60 * 4) / minBpm)));
  // A short smoothing keeps a beat period that falls between two frames from splitting its peak.
  const acfs = envs.map((e) => smoothedAcf(e, Math.round(fps), maxLag));
  const sum = acfs[acfs.length - 1];
  const bands = acfs.slice(0, -1);
  const lo = Math.max(2, Math.floor((fps * 60) / maxBpm));
  const hi = Math.min(maxLag, Math.ceil((fps * 60) / minBpm));
  if (hi <= lo) return { bpm: prior, confidence: 0, period: (fps * 60) / prior };
  const first = Math.max(1, Math.floor((2 * lo) / 3));
  const support = new Float32Array(hi + 1);
  const widest = Math.ceil(Math.max(1, 0.5 * combSize));
  const sumComb = withMaxima(sum, widest);
  const bandCombs = bands.map((b) => withMaxima(b, widest));
  for (let tau = first; tau <= hi; tau++) support[tau] = periodSupport(sumComb, bandCombs, tau, combSize);
  let best = lo;
  let bestScore = -Infinity;
  for (let tau = lo; tau <= hi; tau++) {
    const oct = Math.log2((fps * 60) / tau / prior) / sigma;
    let s = support[tau] * Math.exp(-0.5 * oct * oct);
    if (bands.length) {
      // A period two thirds as long that repeats better makes this one a 3:2 cross-rhythm of the beat,
      // whose double is a beat period too: its backbeat evidence is then borrowed, so it counts less.
      const crossRhythm = Math.min(1, support[tau] / Math.max(1e-9, at(support, (2 * tau) / 3)));
      s *= 1 + backbeatWeight * crossRhythm * subdivided(sum, tau) * backbeat(bandCombs, tau);
    }
    if (s > bestScore) {
      bestScore = s;
      best = tau;
    }
  }
  const period = refine(meanAcf(sum, bands), best, lo, hi);
  const confidence = Math.max(0, Math.min(1, pulseStrength(sum, bands, period)));
  return { bpm: (fps * 60) / period, confidence, period };
}
