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

/** MFCCs of every frame, frames × nCoeffs row-major, from the dB mel spectrogram. */
export function mfcc(spec: MelSpectrogram, nCoeffs = N_MFCC): Float32Array {
  const { db, frames, nMels } = spec;
  const m = dctMatrix(nMels, nCoeffs);
  const out = new Float32Array(frames * nCoeffs);
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
