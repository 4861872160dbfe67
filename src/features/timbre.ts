import { allocate, dsp, f32, f64, type DspKernels } from './dsp.js';
import type { MelSpectrogram } from './frames.js';

export const N_MFCC = 20;

const dctCache = new Map<string, Float64Array>();

/** Orthonormal DCT-II rows 0..nOut-1 over nIn inputs (the librosa/scipy 'ortho' convention). */
function dctMatrix(nIn: number, nOut: number): Float64Array {
  const key = `${nIn}x${nOut}`;
  let m = dctCache.get(key);
  if (m) return m;
  m = new Float64Array(nIn * nOut);
  for (let k = 0; k < nOut; k++) {
    const scale = k === 0 ? Math.sqrt(1 / nIn) : Math.sqrt(2 / nIn);
    for (let n = 0; n < nIn; n++) m[k * nIn + n] = scale * Math.cos((Math.PI * k * (2 * n + 1)) / (2 * nIn));
  }
  dctCache.set(key, m);
  return m;
}

/** Frames per call of the WebAssembly DCT. */
const BLOCK = 2048;

interface DctPlan {
  dctT: number;
  x: number;
  out: number;
}

const dctPlans = new Map<string, DctPlan>();

/** The DCT transposed and block buffers in the kernels' memory, per shape. */
function dctPlan(k: DspKernels, nIn: number, nOut: number): DctPlan {
  const key = `${nIn}x${nOut}`;
  let p = dctPlans.get(key);
  if (!p) {
    const m = dctMatrix(nIn, nOut);
    p = { dctT: allocate(k, 8 * nIn * nOut), x: allocate(k, 4 * BLOCK * nIn), out: allocate(k, 4 * BLOCK * nOut) };
    const t = f64(k, p.dctT, nIn * nOut);
    for (let c = 0; c < nOut; c++) for (let i = 0; i < nIn; i++) t[i * nOut + c] = m[c * nIn + i];
    dctPlans.set(key, p);
  }
  return p;
}

/** MFCCs of every frame, frames × nCoeffs row-major, from the dB mel spectrogram. */
export function mfcc(spec: MelSpectrogram, nCoeffs = N_MFCC): Float32Array {
  const { db, frames, nMels } = spec;
  const out = new Float32Array(frames * nCoeffs);
  const k = nCoeffs % 2 === 0 ? dsp() : null;
  if (k) {
    // The same sums in the same order, two coefficients per SIMD lane pair.
    const p = dctPlan(k, nMels, nCoeffs);
    for (let t0 = 0; t0 < frames; t0 += BLOCK) {
      const n = Math.min(BLOCK, frames - t0);
      f32(k, p.x, n * nMels).set(db.subarray(t0 * nMels, (t0 + n) * nMels));
      k.dct_rows(p.x, n, nMels, p.dctT, nCoeffs, p.out);
      out.set(f32(k, p.out, n * nCoeffs), t0 * nCoeffs);
    }
    return out;
  }
  const m = dctMatrix(nMels, nCoeffs);
  for (let t = 0; t < frames; t++) {
    const row = t * nMels;
    for (let k = 0; k < nCoeffs; k++) {
      let s = 0;
      const mk = k * nMels;
      for (let i = 0; i < nMels; i++) s += m[mk + i] * db[row + i];
      out[t * nCoeffs + k] = s;
    }
  }
  return out;
}

/**
 * Mean and standard deviation of each MFCC over frames [from, to): 2 × nCoeffs numbers, from precomputed MFCCs: a frame's coefficients do not
 * depend on the window it is in, so overlapping segment windows share one MFCC pass.
 */
export function coefficientStats(c: Float32Array, from: number, to: number, nCoeffs = N_MFCC): Float32Array {
  const frames = to - from;
  const out = new Float32Array(2 * nCoeffs);
  for (let k = 0; k < nCoeffs; k++) {
    let s = 0;
    let sq = 0;
    for (let t = from; t < to; t++) {
      const v = c[t * nCoeffs + k];
      s += v;
      sq += v * v;
    }
    const mean = s / frames;
    out[k] = mean;
    out[nCoeffs + k] = Math.sqrt(Math.max(0, sq / frames - mean * mean));
  }
  return out;
}
