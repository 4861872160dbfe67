import { applyFilter, biquad, onePoleCoef, saturate, softClip, type FilterSpec } from './dsp.js';
import type { Rng } from './random.js';

export const VOICES = [
  'kick', 'snare', 'hh', 'oh', 'pedal', 'ride', 'crash', 'clap', 'rim',
  'tomL', 'tomM', 'tomH', 'shaker', 'cowbell', 'clave', 'congaL', 'congaH',
] as const;
export type Voice = (typeof VOICES)[number];

export interface Env {
  /** seconds of linear rise; a few ms on shakers so they swish instead of click */
  attack?: number;
  /** time constant (s) of the exponential decay */
  decay: number;
  /** second, slower decay stage: [level, time constant]; gives cymbals and cowbells their ring */
  tail?: [number, number];
  /** repeated short noise bursts before the decay: [count, spacing s, burst time constant s] (hand claps) */
  bursts?: [number, number, number];
}

export type Layer =
  | { kind: 'tone'; freq: number; gain: number; env: Env; sweep?: number; sweepTime?: number; partials?: Array<[number, number]>; filter?: FilterSpec }
  | { kind: 'noise'; gain: number; env: Env; filter?: FilterSpec }
  | { kind: 'metal'; freqs: number[]; gain: number; env: Env; filter?: FilterSpec };

export interface HitSpec {
  layers: Layer[];
  /** seconds rendered; long enough for the envelope to fall below −60 dB */
  length: number;
  drive?: number;
}

function envelope(env: Env, sampleRate: number, n: number): Float32Array {
  const out = new Float32Array(n);
  const attack = Math.max(1, Math.round((env.attack ?? 0.0005) * sampleRate));
  const k = Math.exp(-1 / (env.decay * sampleRate));
  const [tailLevel, tailDecay] = env.tail ?? [0, 1];
  const kt = Math.exp(-1 / (tailDecay * sampleRate));
  const bursts = env.bursts;
  const burstEnd = bursts ? Math.round((bursts[0] - 1) * bursts[1] * sampleRate) : 0;
  const burstLen = bursts ? Math.max(1, Math.round(bursts[1] * sampleRate)) : 1;
  const kb = bursts ? Math.exp(-1 / (bursts[2] * sampleRate)) : 0;
  let main = 1 - tailLevel;
  let tail = tailLevel;
  let burst = 1;
  for (let i = 0; i < n; i++) {
    let v: number;
    if (i < burstEnd) {
      if (i % burstLen === 0) burst = 1;
      v = burst;
      burst *= kb;
    } else {
      v = main + tail;
      main *= k;
      tail *= kt;
    }
    out[i] = i < attack ? (v * i) / attack : v;
  }
  return out;
}

function renderLayer(layer: Layer, sampleRate: number, n: number, rng: Rng, detune: number): Float32Array {
  const env = envelope(layer.env, sampleRate, n);
  const x = new Float32Array(n);
  if (layer.kind === 'tone') {
    const ratios = (layer.partials ?? []).map((p) => 2 * Math.PI * p[0]);
    const gains = (layer.partials ?? []).map((p) => p[1]);
    const sweepK = layer.sweepTime ? Math.exp(-1 / (layer.sweepTime * sampleRate)) : 0;
    let sweep = (layer.sweep ?? 1) - 1;
    let phase = 0;
    const base = (layer.freq * detune) / sampleRate;
    for (let i = 0; i < n; i++) {
      let v = Math.sin(2 * Math.PI * phase);
      for (let k = 0; k < ratios.length; k++) v += gains[k] * Math.sin(ratios[k] * phase);
      x[i] = v * env[i] * layer.gain;
      phase += base * (1 + sweep);
      if (phase > 1e6) phase -= 1e6;
      sweep *= sweepK;
    }
  } else if (layer.kind === 'noise') {
    for (let i = 0; i < n; i++) x[i] = (rng() * 2 - 1) * env[i] * layer.gain;
  } else {
    // Square waves at inharmonic ratios (the TR-808 recipe) give the clangorous partials real cymbals have.
    const inc = layer.freqs.map((f) => (f * detune) / sampleRate);
    const ph = layer.freqs.map(() => rng());
    const g = layer.gain / layer.freqs.length;
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let j = 0; j < inc.length; j++) {
        ph[j] += inc[j];
        if (ph[j] >= 1) ph[j] -= 1;
        v += ph[j] < 0.5 ? 1 : -1;
      }
      x[i] = v * g * env[i];
    }
  }
  applyFilter(x, layer.filter, sampleRate);
  return x;
}

/** Renders one hit at full velocity. `detune` (≈1) varies round-robin copies so repeats are not identical. */
export function renderHit(spec: HitSpec, sampleRate: number, rng: Rng, detune = 1): Float32Array {
  const n = Math.max(1, Math.round(spec.length * sampleRate));
  const out = new Float32Array(n);
  for (const layer of spec.layers) {
    const x = renderLayer(layer, sampleRate, n, rng, detune);
    for (let i = 0; i < n; i++) out[i] += x[i];
  }
  if (spec.drive) saturate(out, spec.drive);
  // Tails below −54 dB are cut: inaudible in a mix, yet most of the mixing cost.
  let peak = 0;
  for (let i = 0; i < n; i++) peak = Math.max(peak, Math.abs(out[i]));
  let end = n;
  while (end > 1 && Math.abs(out[end - 1]) < peak * 0.002) end--;
  const trimmed = out.subarray(0, Math.min(n, end + Math.round(0.002 * sampleRate)));
  // Long rings (cymbals, toms) hit `length` before −54 dB; a raised-cosine taper over the last 40 % hides the cut.
  const cutEarly = end >= n - 1;
  const fade = cutEarly ? Math.round(trimmed.length * 0.4) : Math.min(trimmed.length, Math.round(0.005 * sampleRate));
  for (let i = 0; i < fade; i++) trimmed[trimmed.length - 1 - i] *= 0.5 - 0.5 * Math.cos((Math.PI * i) / fade);
  return Float32Array.from(trimmed);
}

/** Velocities at which a hit is pre-blended with its dark copy; the mixer picks the nearest. */
export const VELOCITY_LAYERS = [0.35, 0.7, 1];

/**
 * Soft strokes on real drums are darker, not just quieter: each layer blends the hit toward a low-passed copy
 * by (1 − velocity). Pre-blending keeps the mixer at one read per sample.
 */
export function velocityLayers(x: Float32Array, sampleRate: number): Float32Array[] {
  const dark = Float32Array.from(x);
  biquad(dark, 'lp', 2500, 0.6, sampleRate);
  return VELOCITY_LAYERS.map((v) => x.map((h, i) => v * h + (1 - v) * dark[i]));
}

// ---- recipes: kits call these with their own numbers ----

export function kick(o: { freq: number; sweep: number; sweepTime: number; decay: number; click: number; clickLp?: number; drive?: number; length?: number }): HitSpec {
  return {
    length: o.length ?? Math.min(1.6, o.decay * 7),
    drive: o.drive,
    layers: [
      { kind: 'tone', freq: o.freq, sweep: o.sweep, sweepTime: o.sweepTime, gain: 1, env: { decay: o.decay, attack: 0.001 } },
      { kind: 'noise', gain: o.click, env: { decay: 0.004 }, filter: { lp: o.clickLp ?? 6000, hp: 800 } },
    ],
  };
}

export function snare(o: {
  freq: number; toneDecay: number; toneGain: number; noiseDecay: number; noiseGain: number;
  hp: number; lp: number; clap?: number; modes?: Array<[number, number]>; drive?: number;
}): HitSpec {
  const layers: Layer[] = [
    { kind: 'tone', freq: o.freq, sweep: 1.4, sweepTime: 0.012, gain: o.toneGain, env: { decay: o.toneDecay }, partials: o.modes },
    { kind: 'noise', gain: o.noiseGain, env: { decay: o.noiseDecay, attack: 0.001 }, filter: { hp: o.hp, lp: o.lp } },
  ];
  if (o.clap) layers.push(...clap({ bp: 1300, q: 1.2, decay: 0.1, bursts: 3, spacing: 0.009 }).layers.map((l) => ({ ...l, gain: l.gain * (o.clap ?? 0) })));
  return { length: Math.max(o.noiseDecay, o.toneDecay) * 7, layers, drive: o.drive };
}

export function clap(o: { bp: number; q: number; decay: number; bursts: number; spacing: number }): HitSpec {
  return {
    length: o.bursts * o.spacing + o.decay * 6,
    layers: [{ kind: 'noise', gain: 1.6, env: { decay: o.decay, bursts: [o.bursts, o.spacing, 0.003] }, filter: { bp: [o.bp, o.q], hp: 500 } }],
  };
}

const METAL_808 = [205.3, 304.4, 369.6, 522.7, 540, 800];

export function hat(o: { decay: number; hp: number; lp?: number; metal: number; scale: number; tail?: [number, number] }): HitSpec {
  const env: Env = { decay: o.decay, tail: o.tail };
  const filter: FilterSpec = { hp: o.hp, lp: o.lp };
  return {
    length: Math.min(o.tail ? 2.2 : 0.6, Math.max(o.decay, o.tail?.[1] ?? 0) * 6),
    layers: [
      { kind: 'metal', freqs: METAL_808.map((f) => f * o.scale), gain: 1.4 * o.metal, env, filter },
      { kind: 'noise', gain: 1 - o.metal, env, filter },
    ],
  };
}

export function ride(o: { decay: number; hp: number; lp?: number; bell: number; scale: number; noise: number }): HitSpec {
  return {
    length: Math.min(2, o.decay * 4),
    layers: [
      // Two detuned metal banks: one bank alone rings as a handful of steady tones, not a cymbal's wash.
      { kind: 'metal', freqs: METAL_808.map((f) => f * o.scale), gain: 0.8, env: { decay: 0.05, tail: [0.45, o.decay] }, filter: { hp: o.hp, lp: o.lp } },
      { kind: 'metal', freqs: METAL_808.map((f) => f * o.scale * 1.53), gain: 0.6, env: { decay: 0.04, tail: [0.4, o.decay * 0.8] }, filter: { hp: o.hp, lp: o.lp } },
      { kind: 'noise', gain: o.noise, env: { decay: 0.03, tail: [0.3, o.decay * 0.6] }, filter: { hp: o.hp * 1.3, lp: o.lp } },
      { kind: 'tone', freq: 620 * o.scale, gain: o.bell, env: { decay: 0.12, tail: [0.15, o.decay * 0.25] }, partials: [[2.41, 0.6], [3.73, 0.4], [5.2, 0.25]], filter: { hp: 500 } },
    ],
  };
}

export function tom(o: { freq: number; sweep: number; decay: number; noise: number; modes?: Array<[number, number]> }): HitSpec {
  return {
    length: Math.min(1, o.decay * 5),
    layers: [
      { kind: 'tone', freq: o.freq, sweep: o.sweep, sweepTime: 0.05, gain: 1, env: { decay: o.decay, attack: 0.001 }, partials: o.modes },
      { kind: 'noise', gain: o.noise, env: { decay: 0.02 }, filter: { bp: [o.freq * 6, 0.8] } },
    ],
  };
}

export function rim(o: { freq: number; decay: number; noise: number; body: number }): HitSpec {
  return {
    length: Math.max(0.08, o.decay * 8),
    layers: [
      { kind: 'tone', freq: o.freq, gain: 0.8, env: { decay: o.decay }, partials: [[0.27, o.body]] },
      { kind: 'noise', gain: o.noise, env: { decay: o.decay * 0.6 }, filter: { bp: [o.freq * 1.4, 1.5] } },
    ],
  };
}

export function shaker(o: { hp: number; lp?: number; attack: number; decay: number }): HitSpec {
  return { length: o.attack + o.decay * 6, layers: [{ kind: 'noise', gain: 1, env: { attack: o.attack, decay: o.decay }, filter: { hp: o.hp, lp: o.lp } }] };
}

export function cowbell(o: { freqs: number[]; decay: number; tail: number; bp: number; square: boolean }): HitSpec {
  const env: Env = { decay: o.decay, tail: [0.25, o.tail] };
  const layer: Layer = o.square
    ? { kind: 'metal', freqs: o.freqs, gain: 1.6, env, filter: { bp: [o.bp, 1.1] } }
    : { kind: 'tone', freq: o.freqs[0], gain: 0.7, env, partials: o.freqs.slice(1).map((f) => [f / o.freqs[0], 0.7] as [number, number]) };
  return { length: Math.min(0.8, o.tail * 5), layers: [layer] };
}

export function clave(o: { freq: number; decay: number }): HitSpec {
  return { length: o.decay * 8, layers: [{ kind: 'tone', freq: o.freq, gain: 1, env: { decay: o.decay }, partials: [[2.76, 0.15]] }] };
}

export function conga(o: { freq: number; decay: number; slap: number }): HitSpec {
  return {
    length: o.decay * 5,
    layers: [
      { kind: 'tone', freq: o.freq, sweep: 1.15, sweepTime: 0.02, gain: 1, env: { decay: o.decay }, partials: [[1.52, 0.25]] },
      { kind: 'noise', gain: o.slap, env: { decay: 0.012 }, filter: { bp: [1800, 1] } },
    ],
  };
}

// ---- pitched parts ----

export type Wave = 'sine' | 'saw' | 'square' | 'triangle';

export interface BassSpec {
  wave: Wave;
  /** filter cutoff at rest and its extra opening at note start (Hz) */
  cutoff: number;
  envCutoff: number;
  filterDecay: number;
  /** amplitude time constant while the note is held (Infinity = organ-like sustain) */
  decay: number;
  release: number;
  sub: number;
  drive: number;
  gain: number;
}

/** Adds a naive oscillator into `x`; the switch sits outside the loop so each wave's loop stays tight. */
function addOsc(x: Float32Array, wave: Wave, inc: number, phase: number, gain: number): void {
  let p = phase - Math.floor(phase);
  const n = x.length;
  switch (wave) {
    case 'sine': {
      // Rotating-phasor recurrence: exact, and no Math.sin per sample.
      const c2 = 2 * Math.cos(2 * Math.PI * inc);
      let s1 = Math.sin(2 * Math.PI * (p - inc)), s0 = Math.sin(2 * Math.PI * p);
      for (let i = 0; i < n; i++) {
        x[i] += gain * s0;
        const s2 = c2 * s0 - s1;
        s1 = s0;
        s0 = s2;
      }
      return;
    }
    case 'saw':
      for (let i = 0; i < n; i++) {
        x[i] += gain * (2 * p - 1);
        p += inc;
        if (p >= 1) p -= 1;
      }
      return;
    case 'square':
      for (let i = 0; i < n; i++) {
        x[i] += p < 0.5 ? 0.8 * gain : -0.8 * gain;
        p += inc;
        if (p >= 1) p -= 1;
      }
      return;
    case 'triangle':
      for (let i = 0; i < n; i++) {
        x[i] += gain * (p < 0.5 ? 4 * p - 1 : 3 - 4 * p);
        p += inc;
        if (p >= 1) p -= 1;
      }
      return;
  }
}

export function midiToHz(m: number): number {
  return 440 * Math.pow(2, (m - 69) / 12);
}

/** Adds one bass note into `out`; the filter is a two-pole (cascaded one-pole) whose cutoff follows an envelope. */
export function addBassNote(out: Float32Array, sampleRate: number, spec: BassSpec, start: number, dur: number, midi: number, vel: number): void {
  const i0 = Math.max(0, Math.round(start * sampleRate));
  const held = Math.round(dur * sampleRate);
  const rel = Math.round(spec.release * sampleRate);
  const n = Math.min(out.length, i0 + held + rel) - i0;
  if (n <= 0) return;
  const inc = midiToHz(midi) / sampleRate;
  const x = new Float32Array(n);
  addOsc(x, spec.wave, inc, 0, 1);
  if (spec.sub) addOsc(x, 'sine', inc / 2, 0, spec.sub);
  const kAmp = Number.isFinite(spec.decay) ? Math.exp(-1 / (spec.decay * sampleRate)) : 1;
  const kFilt = Math.exp(-1 / (spec.filterDecay * sampleRate));
  const kRel = Math.exp(-5 / Math.max(1, rel));
  const attack = Math.round(0.004 * sampleRate);
  let amp = 1, fenv = 1, y1 = 0, y2 = 0, a = 0;
  const drive = spec.drive;
  const norm = drive > 0 ? 1 / softClip(drive) : 1;
  const g = vel * spec.gain;
  for (let j = 0; j < n; j++) {
    if ((j & 31) === 0) a = onePoleCoef(spec.cutoff + spec.envCutoff * fenv, sampleRate);
    y1 += a * (x[j] - y1);
    y2 += a * (y1 - y2);
    const v = drive > 0 ? softClip(drive * y2) * norm : y2;
    const att = j < attack ? j / attack : 1;
    out[i0 + j] += v * amp * att * g;
    amp *= j < held ? kAmp : kRel;
    fenv *= kFilt;
  }
}

export interface PadSpec {
  wave: Wave;
  cutoff: number;
  detune: number;
  attack: number;
  release: number;
  gain: number;
}

/** A chord with a linear attack and exponential release: slow on pads, so harmony adds no onsets. */
export function addChord(out: Float32Array, sampleRate: number, spec: PadSpec, start: number, dur: number, midis: number[], vel: number): void {
  const i0 = Math.max(0, Math.round(start * sampleRate));
  const held = Math.round(dur * sampleRate);
  const rel = Math.round(spec.release * sampleRate);
  const n = Math.min(out.length, i0 + held + rel) - i0;
  if (n <= 0) return;
  const x = new Float32Array(n);
  const voices = midis.length * 2;
  let k = 0;
  for (const m of midis) {
    for (const d of [-spec.detune, spec.detune]) addOsc(x, spec.wave, midiToHz(m + d / 100) / sampleRate, (k++ * 0.318) % 1, 1 / voices);
  }
  biquad(x, 'lp', spec.cutoff, 0.7, sampleRate);
  const attack = Math.max(1, Math.round(spec.attack * sampleRate));
  const kRel = Math.exp(-5 / Math.max(1, rel));
  const g = spec.gain * vel;
  let rAmp = 1;
  for (let j = 0; j < n; j++) {
    const att = j < attack ? j / attack : 1;
    if (j >= held) rAmp *= kRel;
    out[i0 + j] += x[j] * g * att * rAmp;
  }
}
