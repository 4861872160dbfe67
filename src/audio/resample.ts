/**
 * Polyphase windowed-sinc (Kaiser) resampler.
 *
 * Output sample n sits at input time t = n · from/to, so the filter is centred and an impulse keeps
 * its time (no delay to compensate). The low-pass cut-off (−6 dB point) is CUTOFF × the lower of the
 * two rates; the stop band (≈ 80 dB) starts at (CUTOFF + TRANSITION/2) × that rate. It reaches past
 * the output Nyquist on purpose: what folds back lands above the cut-off, in the band the filter is
 * already rolling off, and the shorter filter (64 taps for 44.1 → 22.05 kHz) keeps this hot path cheap.
 * Integer rates with a small reduced ratio (all the usual ones) get an exact phase table and run in
 * WebAssembly SIMD (fir-wasm.ts); anything else interpolates between 512 phases in plain JS.
 */

import { firWasm } from './fir-wasm.js';

const CUTOFF = 0.46;
const TRANSITION = 0.16;
const ATTENUATION_DB = 80;
/** Rational ratios whose reduced output rate is at most this get one exact phase per output position. */
const MAX_EXACT_PHASES = 1024;
/** Otherwise positions are interpolated linearly between this many precomputed phases. */
const TABLE_PHASES = 512;

export interface Kernel {
  taps: number;
  phases: number;
  exact: boolean;
  /** (phases + 1) rows of `taps` coefficients; the extra row lets interpolation read phase p + 1. */
  table: Float32Array;
}

const kernels = new Map<string, Kernel>();

/**
 * Resample `x` from `fromRate` to `toRate` (Hz). Output length is round(x.length · toRate / fromRate).
 * Equal rates return a copy, so the result never aliases the input.
 */
export function resample(x: Float32Array, fromRate: number, toRate: number): Float32Array {
  checkRates(fromRate, toRate);
  if (fromRate === toRate) return x.slice();
  const k = kernel(fromRate, toRate);
  if (k.exact) {
    const g = gcd(fromRate, toRate);
    const fast = firWasm(x, k.table, k.taps, fromRate / g, toRate / g, outLength(x, fromRate, toRate));
    if (fast) return fast;
  }
  return resampleScalar(x, fromRate, toRate);
}

/** The same filter in plain JS: the fallback without WebAssembly SIMD, and the reference in tests. */
export function resampleScalar(x: Float32Array, fromRate: number, toRate: number): Float32Array {
  checkRates(fromRate, toRate);
  if (fromRate === toRate) return x.slice();
  const out = new Float32Array(outLength(x, fromRate, toRate));
  const k = kernel(fromRate, toRate);
  const { taps, table } = k;
  const half = taps / 2;
  const len = x.length;
  // Exact path: t = n·M/L tracked as integer base + num/L, so phases never drift.
  const g = k.exact ? gcd(fromRate, toRate) : 1;
  const M = fromRate / g;
  const L = toRate / g;
  const step = fromRate / toRate;
  let base = 0;
  let num = 0;
  for (let n = 0; n < out.length; n++) {
    let phase = num;
    let frac = 0;
    if (!k.exact) {
      const t = n * step;
      base = Math.floor(t);
      const pos = (t - base) * TABLE_PHASES;
      phase = Math.floor(pos);
      frac = pos - phase;
    }
    const start = base - half + 1;
    const lo = start < 0 ? -start : 0;
    const hi = start + taps > len ? len - start : taps;
    const off = phase * taps;
    let s = dot(x, start, table, off, lo, hi);
    if (frac > 0) s += frac * (dot(x, start, table, off + taps, lo, hi) - s);
    out[n] = s;
    if (k.exact) {
      num += M;
      if (num >= L) {
        base += Math.floor(num / L);
        num %= L;
      }
    }
  }
  return out;
}

function checkRates(fromRate: number, toRate: number): void {
  if (!(fromRate > 0 && toRate > 0 && Number.isFinite(fromRate) && Number.isFinite(toRate))) {
    throw new RangeError(`Invalid sample rates ${fromRate} → ${toRate}`);
  }
}

function outLength(x: Float32Array, fromRate: number, toRate: number): number {
  return Math.round((x.length * toRate) / fromRate);
}

/** Σ x[start + j] · h[off + j] for j in [lo, hi); four accumulators let the adds overlap. */
function dot(x: Float32Array, start: number, h: Float32Array, off: number, lo: number, hi: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = lo;
  let i = start + lo;
  let o = off + lo;
  for (; j + 3 < hi; j += 4, i += 4, o += 4) {
    s0 += x[i] * h[o];
    s1 += x[i + 1] * h[o + 1];
    s2 += x[i + 2] * h[o + 2];
    s3 += x[i + 3] * h[o + 3];
  }
  for (; j < hi; j++, i++, o++) s0 += x[i] * h[o];
  return s0 + s1 + s2 + s3;
}

/** Filter design for one rate pair, cached: the table costs far more to build than to keep. */
export function kernel(fromRate: number, toRate: number): Kernel {
  const key = `${fromRate}:${toRate}`;
  const cached = kernels.get(key);
  if (cached) return cached;
  // Frequencies in cycles per input sample.
  const scale = Math.min(fromRate, toRate) / fromRate;
  const fc = CUTOFF * scale;
  const width = TRANSITION * scale;
  // Kaiser's estimates for length and β at the wanted stop-band attenuation.
  const beta = 0.1102 * (ATTENUATION_DB - 8.7);
  // A multiple of 4 so the SIMD loop needs no tail.
  const taps = 4 * Math.ceil((ATTENUATION_DB - 7.95) / (2.285 * 2 * Math.PI * width) / 4);
  const half = taps / 2;
  const intRates = Number.isInteger(fromRate) && Number.isInteger(toRate);
  const L = intRates ? toRate / gcd(fromRate, toRate) : Infinity;
  const exact = L <= MAX_EXACT_PHASES;
  const phases = exact ? L : TABLE_PHASES;
  const table = new Float32Array((phases + 1) * taps);
  const i0beta = besselI0(beta);
  for (let p = 0; p <= phases; p++) {
    // Tap j reads input base - half + 1 + j; its distance from t = base + p/phases is d.
    const row = p * taps;
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const d = p / phases + half - 1 - j;
      const r = d / half;
      const w = r * r >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - r * r)) / i0beta;
      const v = 2 * fc * sinc(2 * fc * d) * w;
      table[row + j] = v;
      sum += v;
    }
    // Unit DC gain in every phase; otherwise the gain would wobble with the phase pattern.
    for (let j = 0; j < taps; j++) table[row + j] /= sum;
  }
  const k: Kernel = { taps, phases, exact, table };
  if (kernels.size >= 16) kernels.clear();
  kernels.set(key, k);
  return k;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for β ≤ 10). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
