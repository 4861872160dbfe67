import FFT from 'fft.js';
import { melFilterbank, type MelFilter } from './mel.js';

/** Analysis settings shared by every descriptor, so all of them come from one STFT pass. */
export const N_FFT = 1024;
export const HOP = 256;
export const N_MELS = 64;
export const F_MIN = 30;
export const DB_RANGE = 80;

export interface MelSpectrogram {
  /** Row-major, frames × nMels, in dB, floored at (max − DB_RANGE). */
  db: Float32Array;
  frames: number;
  nMels: number;
  /** Frames per second. */
  fps: number;
  /** Centre frequency of each mel band in Hz. */
  centresHz: Float32Array;
}

const bankCache = new Map<string, MelFilter[]>();

function bank(sampleRate: number): MelFilter[] {
  const key = `${sampleRate}`;
  let b = bankCache.get(key);
  if (!b) {
    b = melFilterbank(sampleRate, N_FFT, N_MELS, F_MIN, sampleRate / 2);
    bankCache.set(key, b);
  }
  return b;
}

function hann(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/**
 * Log-mel power spectrogram of a mono signal: Hann window of N_FFT samples every HOP samples,
 * frames centred on t = i·HOP (the signal is zero-padded by N_FFT/2 at both ends, as librosa does).
 */
export function melSpectrogram(samples: Float32Array, sampleRate: number): MelSpectrogram {
  const filters = bank(sampleRate);
  const frames = Math.max(1, 1 + Math.floor(samples.length / HOP));
  const db = new Float32Array(frames * N_MELS);
  const fft = new FFT(N_FFT);
  const win = hann(N_FFT);
  const frame = new Float64Array(N_FFT);
  const spec = new Float64Array(2 * N_FFT);
  const power = new Float64Array(N_FFT / 2 + 1);
  const half = N_FFT / 2;
  let maxDb = -Infinity;
  for (let t = 0; t < frames; t++) {
    const offset = t * HOP - half;
    for (let i = 0; i < N_FFT; i++) {
      const j = offset + i;
      frame[i] = j >= 0 && j < samples.length ? samples[j] * win[i] : 0;
    }
    fft.realTransform(spec, frame);
    for (let k = 0; k <= half; k++) power[k] = spec[2 * k] * spec[2 * k] + spec[2 * k + 1] * spec[2 * k + 1];
    const row = t * N_MELS;
    for (let m = 0; m < N_MELS; m++) {
      const f = filters[m];
      let e = 0;
      for (let i = 0; i < f.weights.length; i++) e += f.weights[i] * power[f.start + i];
      const v = 10 * Math.log10(e + 1e-10);
      db[row + m] = v;
      if (v > maxDb) maxDb = v;
    }
  }
  const floor = maxDb - DB_RANGE;
  for (let i = 0; i < db.length; i++) if (db[i] < floor) db[i] = floor;
  return {
    db,
    frames,
    nMels: N_MELS,
    fps: sampleRate / HOP,
    centresHz: Float32Array.from(filters.map((f) => f.centreHz)),
  };
}

/** Rows [from, to) of a spectrogram, sharing no memory with it. */
export function sliceFrames(s: MelSpectrogram, from: number, to: number): MelSpectrogram {
  return { ...s, db: s.db.slice(from * s.nMels, to * s.nMels), frames: to - from };
}
