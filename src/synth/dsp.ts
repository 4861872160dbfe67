/** Small in-place filters shared by the instruments, the bass and the master bus. */

export type BiquadType = 'lp' | 'hp' | 'bp';

/** RBJ cookbook biquad applied in place; the band-pass has 0 dB peak gain so Q changes colour, not level. */
export function biquad(x: Float32Array, type: BiquadType, freq: number, q: number, sampleRate: number): void {
  // Above ~0.45·fs the design degenerates; clamping keeps 22,050 Hz renders stable with 44.1 kHz kit settings.
  const f = Math.min(freq, sampleRate * 0.45);
  const w = (2 * Math.PI * f) / sampleRate;
  const cos = Math.cos(w);
  const alpha = Math.sin(w) / (2 * q);
  let b0: number, b1: number, b2: number;
  if (type === 'lp') {
    b0 = (1 - cos) / 2;
    b1 = 1 - cos;
    b2 = b0;
  } else if (type === 'hp') {
    b0 = (1 + cos) / 2;
    b1 = -(1 + cos);
    b2 = b0;
  } else {
    b0 = alpha;
    b1 = 0;
    b2 = -alpha;
  }
  const a0 = 1 + alpha;
  const a1 = (-2 * cos) / a0;
  const a2 = (1 - alpha) / a0;
  b0 /= a0;
  b1 /= a0;
  b2 /= a0;
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const y = b0 * xi + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = xi;
    y2 = y1;
    y1 = y;
    x[i] = y;
  }
}

export interface FilterSpec {
  hp?: number;
  lp?: number;
  /** [centre Hz, Q] */
  bp?: [number, number];
}

export function applyFilter(x: Float32Array, f: FilterSpec | undefined, sampleRate: number): void {
  if (!f) return;
  if (f.hp) biquad(x, 'hp', f.hp, 0.707, sampleRate);
  if (f.bp) biquad(x, 'bp', f.bp[0], f.bp[1], sampleRate);
  if (f.lp) biquad(x, 'lp', f.lp, 0.707, sampleRate);
}

/** One-pole low-pass coefficient for a cutoff; cheap enough to recompute per block for envelopes. */
export function onePoleCoef(freq: number, sampleRate: number): number {
  return 1 - Math.exp((-2 * Math.PI * Math.min(freq, sampleRate * 0.45)) / sampleRate);
}

/** Padé approximation of tanh, exact at ±3 and flat beyond: Math.tanh costs more than the rest of a mix. */
export function softClip(x: number): number {
  if (x >= 3) return 1;
  if (x <= -3) return -1;
  const x2 = x * x;
  return (x * (27 + x2)) / (27 + 9 * x2);
}

/** Soft saturation normalised so a full-scale input stays at full scale. */
export function saturate(x: Float32Array, drive: number): void {
  if (drive <= 0) return;
  const norm = 1 / softClip(drive);
  for (let i = 0; i < x.length; i++) x[i] = softClip(drive * x[i]) * norm;
}

export function peakOf(x: Float32Array): number {
  let p = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    if (a > p) p = a;
  }
  return p;
}

export function rmsOf(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, x.length));
}

/**
 * A Freeverb-style room (eight parallel damped combs into four series all-passes). Drums recorded in a room carry
 * this tail; without it the acoustic and vintage kits differ from the 808 only by pitch. Fewer combs than
 * Freeverb's eight leave audible discrete echoes, which onset detectors then mistake for notes.
 */
export function reverb(x: Float32Array, sampleRate: number, mix: number, size: number, damp: number): Float32Array {
  const out = new Float32Array(x.length);
  if (mix <= 0) return out;
  const scale = sampleRate / 44100;
  const fb = 0.7 + 0.27 * size;
  const nd = 1 - damp;
  for (const n of [1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617]) {
    const buf = new Float32Array(Math.max(1, Math.round(n * scale * (0.5 + 0.5 * size))));
    const len = buf.length;
    let idx = 0, store = 0;
    for (let i = 0; i < x.length; i++) {
      const y = buf[idx];
      store = y * nd + store * damp;
      buf[idx] = x[i] * 0.125 + store * fb;
      out[i] += y;
      if (++idx === len) idx = 0;
    }
  }
  for (const n of [556, 441, 341, 225]) {
    const buf = new Float32Array(Math.max(1, Math.round(n * scale)));
    const len = buf.length;
    let idx = 0;
    for (let i = 0; i < out.length; i++) {
      const b = buf[idx];
      const v = out[i];
      buf[idx] = v + b * 0.5;
      out[i] = b - v;
      if (++idx === len) idx = 0;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] *= mix;
  return out;
}
