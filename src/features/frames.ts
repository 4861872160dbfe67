import { PowerSpectrum } from './fft.js';
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

export interface StftConfig {
  nFft: number;
  hop: number;
  nMels: number;
  fMin: number;
}

export const DEFAULT_STFT: StftConfig = { nFft: N_FFT, hop: HOP, nMels: N_MELS, fMin: F_MIN };

const bankCache = new Map<string, MelFilter[]>();

function bank(sampleRate: number, c: StftConfig): MelFilter[] {
  const key = `${sampleRate}/${c.nFft}/${c.nMels}/${c.fMin}`;
  let b = bankCache.get(key);
  if (!b) {
    b = melFilterbank(sampleRate, c.nFft, c.nMels, c.fMin, sampleRate / 2);
    bankCache.set(key, b);
  }
  return b;
}

interface FlatBank {
  /** Filter m's weights are weights[offsets[m] ..] for FFT bins bins[m] .. bins[m] + counts[m] − 1. */
  offsets: Int32Array;
  bins: Int32Array;
  counts: Int32Array;
  weights: Float64Array;
}

const flatCache = new Map<string, FlatBank>();

/** The filterbank packed into flat typed arrays: the per-frame loop reads no objects (a third of its time). */
function flatBank(sampleRate: number, c: StftConfig): FlatBank {
  const key = `${sampleRate}/${c.nFft}/${c.nMels}/${c.fMin}`;
  let f = flatCache.get(key);
  if (!f) {
    const filters = bank(sampleRate, c);
    const total = filters.reduce((n, x) => n + x.weights.length, 0);
    f = { offsets: new Int32Array(c.nMels), bins: new Int32Array(c.nMels), counts: new Int32Array(c.nMels), weights: new Float64Array(total) };
    let o = 0;
    filters.forEach((x, m) => {
      f!.offsets[m] = o;
      f!.bins[m] = x.start;
      f!.counts[m] = x.weights.length;
      f!.weights.set(x.weights, o);
      o += x.weights.length;
    });
    flatCache.set(key, f);
  }
  return f;
}

const ffts = new Map<number, PowerSpectrum>();

function fftOf(size: number): PowerSpectrum {
  let f = ffts.get(size);
  if (!f) {
    f = new PowerSpectrum(size);
    ffts.set(size, f);
  }
  return f;
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
export function melSpectrogram(samples: Float32Array, sampleRate: number, cfg: StftConfig = DEFAULT_STFT): MelSpectrogram {
  const { nFft, hop, nMels } = cfg;
  const filters = bank(sampleRate, cfg);
  const { offsets, bins, counts, weights } = flatBank(sampleRate, cfg);
  const frames = Math.max(1, 1 + Math.floor(samples.length / hop));
  const db = new Float32Array(frames * nMels);
  const fft = fftOf(nFft);
  const win = hann(nFft);
  const power = new Float64Array(nFft / 2 + 1);
  const half = nFft / 2;
  const len = samples.length;
  let maxDb = -Infinity;
  for (let t = 0; t < frames; t++) {
    const offset = t * hop - half;
    const frame = fft.input();
    if (offset >= 0 && offset + nFft <= len) {
      for (let i = 0; i < nFft; i++) frame[i] = samples[offset + i] * win[i];
    } else {
      for (let i = 0; i < nFft; i++) {
        const j = offset + i;
        frame[i] = j >= 0 && j < len ? samples[j] * win[i] : 0;
      }
    }
    fft.power(power);
    const row = t * nMels;
    for (let m = 0; m < nMels; m++) {
      let e = 0;
      const o = offsets[m];
      const b = bins[m];
      for (let i = 0, c = counts[m]; i < c; i++) e += weights[o + i] * power[b + i];
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
    nMels,
    fps: sampleRate / hop,
    centresHz: Float32Array.from(filters.map((f) => f.centreHz)),
  };
}

/** Rows [from, to) of a spectrogram, sharing no memory with it. */
export function sliceFrames(s: MelSpectrogram, from: number, to: number): MelSpectrogram {
  return { ...s, db: s.db.slice(from * s.nMels, to * s.nMels), frames: to - from };
}
