import { allocate, dsp, f32, f64, i32, type DspKernels } from './dsp.js';
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

/** Frames per call of the WebAssembly kernels. */
const BLOCK = 64;

/** One configuration's constants and work buffers in the kernels' memory (pointers), shared by its streams. */
interface KernelPlan {
  k: DspKernels;
  win: number;
  offsets: number;
  bins: number;
  counts: number;
  weights: number;
  power: number;
  sig: number;
  sigCapacity: number;
  frames: number;
  spec: number;
  db: number;
  /** Per-frame views of frames and spec, remade when the kernels' memory has grown. */
  views: { buffer: ArrayBufferLike | null; windowed: Float32Array[]; spec: Float32Array[] };
}

function planViews(p: KernelPlan, nFft: number): KernelPlan['views'] {
  if (p.views.buffer !== p.k.memory.buffer) {
    const slot = (base: number) => Array.from({ length: BLOCK }, (_, f) => f32(p.k, base + 4 * f * nFft, nFft));
    p.views = { buffer: p.k.memory.buffer, windowed: slot(p.frames), spec: slot(p.spec) };
  }
  return p.views;
}

const plans = new Map<string, KernelPlan>();

function kernelPlan(k: DspKernels, sampleRate: number, c: StftConfig, win: Float64Array): KernelPlan {
  const key = `${sampleRate}/${c.nFft}/${c.hop}/${c.nMels}/${c.fMin}`;
  let p = plans.get(key);
  if (!p) {
    const fb = flatBank(sampleRate, c);
    const sigCapacity = (BLOCK - 1) * c.hop + c.nFft;
    p = {
      k,
      win: allocate(k, 8 * c.nFft),
      offsets: allocate(k, 4 * c.nMels),
      bins: allocate(k, 4 * c.nMels),
      counts: allocate(k, 4 * c.nMels),
      weights: allocate(k, 8 * fb.weights.length),
      power: allocate(k, 8 * (8 * (c.nFft / 2 + 1) + 8 * (c.nMels + 1))),
      sig: allocate(k, 4 * sigCapacity),
      sigCapacity,
      frames: allocate(k, 4 * BLOCK * c.nFft),
      spec: allocate(k, 4 * BLOCK * c.nFft),
      db: allocate(k, 4 * BLOCK * c.nMels),
      views: { buffer: null, windowed: [], spec: [] },
    };
    f64(k, p.win, c.nFft).set(win);
    i32(k, p.offsets, c.nMels).set(fb.offsets);
    i32(k, p.bins, c.nMels).set(fb.bins);
    i32(k, p.counts, c.nMels).set(fb.counts);
    f64(k, p.weights, fb.weights.length).set(fb.weights);
    plans.set(key, p);
  }
  return p;
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
  const s = new MelStream(sampleRate, cfg);
  s.push(samples);
  return s.end();
}

/**
 * melSpectrogram fed chunk by chunk, as a decoder produces audio: only the spectrogram grows (64 numbers per
 * 256 samples), never the signal, so a two-hour mix costs 160 MB here instead of 640 MB of samples.
 * Frames are exactly those of melSpectrogram on the joined signal.
 */
export class MelStream {
  private readonly cfg: StftConfig;
  private readonly sampleRate: number;
  private readonly win: Float64Array;
  private readonly power: Float64Array;
  /** Unconsumed signal; buf[0] is sample `bufStart` of the stream. Never written to (may be the caller's). */
  private buf: Float32Array = new Float32Array(0);
  private bufStart = 0;
  private total = 0;
  private frames = 0;
  private db: Float32Array;
  private maxDb = -Infinity;

  constructor(sampleRate: number, cfg: StftConfig = DEFAULT_STFT) {
    this.cfg = cfg;
    this.sampleRate = sampleRate;
    this.win = hann(cfg.nFft);
    this.power = new Float64Array(cfg.nFft / 2 + 1);
    this.db = new Float32Array(1024 * cfg.nMels);
  }

  push(x: Float32Array): void {
    if (x.length === 0) return;
    const { hop, nFft } = this.cfg;
    const half = nFft / 2;
    // Keep only what the next frame and later ones read.
    const keepFrom = Math.max(this.bufStart, this.frames * hop - half);
    const kept = this.buf.subarray(Math.min(this.buf.length, keepFrom - this.bufStart));
    if (kept.length === 0) {
      this.buf = x;
    } else {
      const joined = new Float32Array(kept.length + x.length);
      joined.set(kept);
      joined.set(x, kept.length);
      this.buf = joined;
    }
    this.bufStart = keepFrom;
    this.total += x.length;
    const ready = Math.floor((this.total - half) / hop) + 1;
    if (ready > this.frames) this.compute(ready);
  }

  end(): MelSpectrogram {
    const { hop, nMels } = this.cfg;
    const frames = Math.max(1, 1 + Math.floor(this.total / hop));
    if (this.frames < frames) this.compute(frames);
    const n = frames * nMels;
    const db = this.db.length > n * 1.25 ? this.db.slice(0, n) : this.db.subarray(0, n);
    const floor = this.maxDb - DB_RANGE;
    for (let i = 0; i < db.length; i++) if (db[i] < floor) db[i] = floor;
    return {
      db,
      frames,
      nMels,
      fps: this.sampleRate / hop,
      centresHz: Float32Array.from(bank(this.sampleRate, this.cfg).map((f) => f.centreHz)),
    };
  }

  /** Frames this.frames … upTo − 1: by the WebAssembly kernels in blocks, or one by one in JavaScript. */
  private compute(upTo: number): void {
    const k = dsp();
    if (!k) {
      while (this.frames < upTo) this.frame();
      return;
    }
    const { nFft, hop, nMels } = this.cfg;
    const plan = kernelPlan(k, this.sampleRate, this.cfg, this.win);
    const fft = fftOf(nFft);
    while (this.frames < upTo) {
      const t0 = this.frames;
      const count = Math.min(BLOCK, upTo - t0);
      // Stream samples the block reads, clipped to what is held; the rest is zero padding.
      const first = t0 * hop - nFft / 2;
      const from = Math.max(first, this.bufStart);
      const to = Math.min(first + (count - 1) * hop + nFft, this.bufStart + this.buf.length);
      const sigLen = Math.max(0, to - from);
      if (sigLen > 0) f32(k, plan.sig, plan.sigCapacity).set(this.buf.subarray(from - this.bufStart, to - this.bufStart));
      k.window_frames(plan.sig, from, sigLen, first, hop, count, nFft, plan.win, plan.frames);
      const views = planViews(plan, nFft);
      const input = fft.input();
      for (let f = 0; f < count; f++) {
        input.set(views.windowed[f]);
        views.spec[f].set(fft.transform());
      }
      const max = k.mel_db(plan.spec, count, nFft, nMels, plan.offsets, plan.bins, plan.counts, plan.weights, plan.power, plan.db);
      if (max > this.maxDb) this.maxDb = max;
      this.ensure(t0 + count);
      this.db.set(f32(k, plan.db, count * nMels), t0 * nMels);
      this.frames += count;
    }
  }

  /** Room for `frames` rows in db. */
  private ensure(frames: number): void {
    const need = frames * this.cfg.nMels;
    if (need <= this.db.length) return;
    let size = this.db.length * 2;
    while (size < need) size *= 2;
    const grown = new Float32Array(size);
    grown.set(this.db);
    this.db = grown;
  }

  private frame(): void {
    const { nFft, hop, nMels } = this.cfg;
    const { offsets, bins, counts, weights } = flatBank(this.sampleRate, this.cfg);
    const t = this.frames;
    const fft = fftOf(nFft);
    const frame = fft.input();
    const win = this.win;
    const buf = this.buf;
    // Where the frame starts in buf; outside [0, buf.length) is the zero padding at either end.
    const offset = t * hop - nFft / 2 - this.bufStart;
    if (offset >= 0 && offset + nFft <= buf.length) {
      for (let i = 0; i < nFft; i++) frame[i] = buf[offset + i] * win[i];
    } else {
      for (let i = 0; i < nFft; i++) {
        const j = offset + i;
        frame[i] = j >= 0 && j < buf.length ? buf[j] * win[i] : 0;
      }
    }
    fft.power(this.power);
    const power = this.power;
    this.ensure(t + 1);
    const db = this.db;
    const row = t * nMels;
    for (let m = 0; m < nMels; m++) {
      let e = 0;
      const o = offsets[m];
      const b = bins[m];
      for (let i = 0, c = counts[m]; i < c; i++) e += weights[o + i] * power[b + i];
      const v = 10 * Math.log10(e + 1e-10);
      db[row + m] = v;
      if (v > this.maxDb) this.maxDb = v;
    }
    this.frames++;
  }
}

/** Rows [from, to) of a spectrogram, sharing no memory with it. */
export function sliceFrames(s: MelSpectrogram, from: number, to: number): MelSpectrogram {
  return { ...s, db: s.db.slice(from * s.nMels, to * s.nMels), frames: to - from };
}
