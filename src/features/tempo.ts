import { autocorrelation, highPass } from './onset.js';

export interface TempoEstimate {
  bpm: number;
  /** 0..1: the normalised autocorrelation at the beat period. */
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
  /** Weights of the autocorrelation at 1×, 2× and 4× a candidate period in its score. */
  harmonics?: [number, number, number];
}

function at(r: Float32Array, x: number): number {
  const i = Math.floor(x);
  if (i < 0 || i + 1 >= r.length) return 0;
  const f = x - i;
  return r[i] * (1 - f) + r[i + 1] * f;
}

function smooth(x: Float32Array): Float32Array {
  const k = [1, 2, 3, 2, 1];
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let s = 0;
    let w = 0;
    for (let j = -2; j <= 2; j++) {
      const v = x[i + j];
      if (v !== undefined) {
        s += v * k[j + 2];
        w += k[j + 2];
      }
    }
    out[i] = s / w;
  }
  return out;
}

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

/**
 * Global tempo of an onset envelope. The autocorrelation is reinforced at twice and four times each
 * candidate period (a true beat repeats at the bar), weighted by a log-normal tempo prior; the chosen
 * period is then refined from the peaks at its multiples, where a frame of error costs less.
 */
export function estimateTempo(env: Float32Array, fps: number, opts: TempoOptions = {}): TempoEstimate {
  const minBpm = opts.minBpm ?? 40;
  const maxBpm = opts.maxBpm ?? 240;
  const prior = opts.priorBpm ?? 130;
  const sigma = opts.priorOctaves ?? 0.7;
  // A short smoothing keeps a beat period that falls between two frames from splitting its peak.
  const x = smooth(highPass(env, Math.round(fps)));
  const maxLag = Math.min(x.length - 1, Math.ceil((fps * 60 * 4) / minBpm));
  const r = autocorrelation(x, maxLag);
  const lo = Math.max(2, Math.floor((fps * 60) / maxBpm));
  const hi = Math.min(maxLag, Math.ceil((fps * 60) / minBpm));
  if (hi <= lo) return { bpm: prior, confidence: 0, period: (fps * 60) / prior };
  const [w1, w2, w4] = opts.harmonics ?? [1, 0.5, 0.25];
  const score = new Float32Array(hi + 2);
  for (let tau = lo; tau <= hi; tau++) {
    let h = w1 * r[tau];
    let w = w1;
    if (w2 > 0 && 2 * tau < r.length - 1) {
      h += w2 * at(r, 2 * tau);
      w += w2;
    }
    if (w4 > 0 && 4 * tau < r.length - 1) {
      h += w4 * at(r, 4 * tau);
      w += w4;
    }
    const oct = Math.log2((fps * 60) / tau / prior) / sigma;
    score[tau] = Math.max(0, h / w) * Math.exp(-0.5 * oct * oct);
  }
  let best = lo;
  for (let tau = lo; tau <= hi; tau++) if (score[tau] > score[best]) best = tau;
  let period = parabolicPeak(r, best);
  // Refine from multiples of the period: each estimate k·P / k has k times less error per frame.
  let num = period;
  let den = 1;
  for (const k of [2, 3, 4, 6, 8]) {
    if (k * period + 3 >= r.length) break;
    const p = peakNear(r, k * period, Math.max(2, 0.03 * k * period));
    if (p === null || r[Math.round(p)] < 0.5 * r[best]) continue;
    num += p;
    den += k;
  }
  period = Math.min(hi, Math.max(lo, num / den));
  const confidence = Math.max(0, Math.min(1, at(r, period)));
  return { bpm: (fps * 60) / period, confidence, period };
}
