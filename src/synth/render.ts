import { applyFilter, peakOf, reverb, rmsOf, saturate } from './dsp.js';
import { addBassNote, addChord, renderHit, velocityLayers, VELOCITY_LAYERS, VOICES, type Voice } from './instruments.js';
import { getKit, type Kit } from './kits.js';
import { perform, type Performance } from './perform.js';
import { hashSeed, mulberry32 } from './random.js';
import { getStyle, type Meter } from './styles.js';

export interface GrooveLabel {
  style: string;
  bpm: number;
  meter: Meter;
  kit: string;
  /** identifies the performance independent of the kit: `${style}-${variant}-${bpm}-${seed}` */
  pattern_id: string;
}

export interface RenderOptions {
  style: string;
  bpm: number;
  kit: string;
  seconds: number;
  seed: number;
  sampleRate?: number;
  /** overrides the style's swing (0 straight … 1 triplet) */
  swing?: number;
  humanise?: { timingMs: number; velocity: number };
  fills?: boolean;
  bass?: boolean;
  chords?: boolean;
  /** background pink noise, RMS in dB relative to the mix RMS (e.g. −30) */
  noiseDb?: number;
  /** which of the style's patterns; defaults to seed mod the number of patterns */
  patternVariant?: number;
}

export interface Groove {
  samples: Float32Array;
  sampleRate: number;
  label: GrooveLabel;
}

export const DEFAULT_HUMANISE = { timingMs: 15, velocity: 0.1 };
const TARGET_PEAK = Math.pow(10, -1 / 20);

/** Per voice: round-robin copies, each as velocity layers. */
type Bank = Float32Array[][];
const banks = new Map<string, Record<Voice, Bank>>();

/**
 * A kit's hits are rendered once per sample rate and reused: the kit is a fixed "sample pack" whose noise
 * comes from the kit name alone, so it never varies with the performance seed.
 */
function kitBank(kit: Kit, sampleRate: number): Record<Voice, Bank> {
  const key = `${kit.name}@${sampleRate}`;
  const cached = banks.get(key);
  if (cached) return cached;
  const bank = {} as Record<Voice, Bank>;
  for (const voice of VOICES) {
    const rng = mulberry32(hashSeed('kit', kit.name, voice));
    const spec = kit.voices[voice];
    // Round-robin copies stop repeated hits sounding machine-gunned; the rare, long crash needs only one.
    const copies = voice === 'crash' ? 1 : spec.length > 0.4 ? 2 : 3;
    const hits: Float32Array[] = [];
    for (let c = 0; c < copies; c++) hits.push(renderHit(spec, sampleRate, rng, 1 + (rng() - 0.5) * 0.02));
    // Peak-normalised hits make the kit's `levels` the whole story of the balance, whatever the recipe's gain.
    const g = 1 / Math.max(1e-9, ...hits.map(peakOf));
    for (const h of hits) for (let i = 0; i < h.length; i++) h[i] *= g;
    bank[voice] = hits.map((h) => velocityLayers(h, sampleRate));
  }
  // A bank is 5–15 MB; keep the five most recently built (every kit at one sample rate is the usual working set).
  if (banks.size >= 5) banks.delete(banks.keys().next().value as string);
  banks.set(key, bank);
  return bank;
}

function nearestLayer(vel: number): number {
  let best = 0;
  for (let k = 1; k < VELOCITY_LAYERS.length; k++) if (Math.abs(VELOCITY_LAYERS[k] - vel) < Math.abs(VELOCITY_LAYERS[best] - vel)) best = k;
  return best;
}

function mixDrums(perf: Performance, kit: Kit, sampleRate: number, n: number): Float32Array {
  const bank = kitBank(kit, sampleRate);
  const out = new Float32Array(n);
  const events = perf.drums;
  for (let e = 0; e < events.length; e++) {
    const ev = events[e];
    const i0 = Math.round(ev.t * sampleRate);
    if (i0 >= n) continue;
    const copies = bank[ev.voice];
    const hit = copies[ev.rr % copies.length][nearestLayer(ev.vel)];
    let len = Math.min(hit.length, n - i0);
    let fadeFrom = len;
    if (ev.voice === 'oh') {
      // A closed or pedalled hat chokes the ringing open hat, as on a real hi-hat stand.
      for (let k = e + 1; k < events.length; k++) {
        const v = events[k].voice;
        if (v === 'hh' || v === 'pedal') {
          const stop = Math.round((events[k].t - ev.t) * sampleRate);
          if (stop < len) {
            fadeFrom = Math.max(0, stop);
            len = Math.min(len, fadeFrom + Math.round(0.012 * sampleRate));
          }
          break;
        }
      }
    }
    const amp = kit.levels[ev.voice] * Math.pow(ev.vel, 1.5);
    for (let j = 0; j < fadeFrom; j++) out[i0 + j] += amp * hit[j];
    const fadeLen = Math.max(1, len - fadeFrom);
    for (let j = fadeFrom; j < len; j++) out[i0 + j] += amp * hit[j] * (1 - (j - fadeFrom) / fadeLen);
  }
  return out;
}

function master(x: Float32Array, kit: Kit, sampleRate: number): void {
  const m = kit.master;
  applyFilter(x, { hp: m.hp }, sampleRate);
  if (m.drive) {
    const p = peakOf(x) || 1;
    for (let i = 0; i < x.length; i++) x[i] /= p;
    saturate(x, m.drive);
  }
  if (m.hold) {
    const h = Math.max(1, Math.round((m.hold * sampleRate) / 44100));
    for (let i = 0; i < x.length; i++) x[i] = x[i - (i % h)];
  }
  if (m.bits) {
    const p = peakOf(x) || 1;
    const q = Math.pow(2, m.bits - 1) / p;
    for (let i = 0; i < x.length; i++) x[i] = Math.round(x[i] * q) / q;
  }
  // Last, so it also acts as the reconstruction filter that removes the sample-and-hold images.
  applyFilter(x, { lp: m.lp }, sampleRate);
}

/** Pink-ish noise (Paul Kellet's economy filter): hiss and room rumble rather than pure white noise. */
function addNoise(x: Float32Array, db: number, seed: number): void {
  const rng = mulberry32(hashSeed('noise', seed));
  const noise = new Float32Array(x.length);
  let b0 = 0, b1 = 0, b2 = 0;
  for (let i = 0; i < x.length; i++) {
    const w = rng() * 2 - 1;
    b0 = 0.99765 * b0 + w * 0.099046;
    b1 = 0.963 * b1 + w * 0.2965164;
    b2 = 0.57 * b2 + w * 1.0526913;
    noise[i] = b0 + b1 + b2 + w * 0.1848;
  }
  const g = (rmsOf(x) * Math.pow(10, db / 20)) / (rmsOf(noise) || 1);
  for (let i = 0; i < x.length; i++) x[i] += g * noise[i];
}

export function patternId(style: string, variant: number, bpm: number, seed: number): string {
  return `${style}-${variant}-${bpm}-${seed}`;
}

export function renderGroove(opts: RenderOptions): Groove {
  const style = getStyle(opts.style);
  const kit = getKit(opts.kit);
  const sampleRate = opts.sampleRate ?? 44100;
  if (!(opts.bpm > 0) || !(opts.seconds > 0) || !(sampleRate >= 8000)) {
    throw new Error(`bpm, seconds and sampleRate must be positive (got ${opts.bpm}, ${opts.seconds}, ${sampleRate})`);
  }
  const variant = opts.patternVariant ?? Math.abs(Math.trunc(opts.seed)) % style.patterns.length;
  if (!Number.isInteger(variant) || variant < 0 || variant >= style.patterns.length) {
    throw new Error(`style "${style.name}" has patterns 0..${style.patterns.length - 1}, not ${variant}`);
  }
  const human = opts.humanise ?? DEFAULT_HUMANISE;
  const perf = perform({
    style, variant, bpm: opts.bpm, seconds: opts.seconds, seed: opts.seed,
    swing: opts.swing ?? style.swing ?? 0,
    timingMs: human.timingMs, velocity: human.velocity,
    fills: opts.fills ?? true, bass: opts.bass ?? true, chords: opts.chords ?? false,
  });

  const n = Math.round(opts.seconds * sampleRate);
  const drums = mixDrums(perf, kit, sampleRate, n);
  const wet = reverb(drums, sampleRate, kit.master.reverb.mix, kit.master.reverb.size, kit.master.reverb.damp);
  const mix = drums;
  for (let i = 0; i < n; i++) mix[i] += wet[i];
  for (const note of perf.bass) addBassNote(mix, sampleRate, kit.bass, note.t, note.dur, note.midi, note.vel);
  for (const c of perf.chords) {
    const spec = c.stab ? { ...kit.pad, attack: 0.004, release: 0.08, gain: kit.pad.gain * 0.8 } : kit.pad;
    addChord(mix, sampleRate, spec, c.t, c.dur, c.midis, c.vel);
  }
  master(mix, kit, sampleRate);
  if (opts.noiseDb !== undefined) addNoise(mix, opts.noiseDb, opts.seed);
  const peak = peakOf(mix);
  if (peak > 0) {
    const g = TARGET_PEAK / peak;
    for (let i = 0; i < n; i++) mix[i] *= g;
  }
  return {
    samples: mix,
    sampleRate,
    label: { style: style.name, bpm: opts.bpm, meter: style.meter, kit: kit.name, pattern_id: patternId(style.name, variant, opts.bpm, opts.seed) },
  };
}
