import type { Voice } from './instruments.js';
import { gaussian, hashSeed, mulberry32, type Rng } from './random.js';
import {
  CHORD_TONES, degreeSemitones, parseDrumBar, splitBars,
  type FillKind, type Quality, type Style,
} from './styles.js';

/**
 * A performance is everything a drummer, bassist and keyboard player decide: which notes, when, how hard.
 * It never sees the kit, so the same performance can be voiced on any kit.
 */
export interface DrumEvent { voice: Voice; t: number; vel: number; rr: number }
export interface Note { t: number; dur: number; midi: number; vel: number }
export interface ChordEvent { t: number; dur: number; midis: number[]; vel: number; stab: boolean }
export interface Performance { drums: DrumEvent[]; bass: Note[]; chords: ChordEvent[] }

export interface PerformOptions {
  style: Style;
  variant: number;
  bpm: number;
  seconds: number;
  seed: number;
  swing: number;
  timingMs: number;
  velocity: number;
  fills: boolean;
  bass: boolean;
  chords: boolean;
}

/** Voices a drummer's hands leave to play a fill. */
const FILL_MUTED = new Set<Voice>(['snare', 'hh', 'oh', 'pedal', 'ride', 'crash', 'clap', 'rim', 'tomL', 'tomM', 'tomH']);

/** Position of a grid step inside its beat (fraction of a beat), with swing delaying the off-steps. */
export function stepOffset(step: number, stepsPerBeat: number, swing: number): number {
  const base = step / stepsPerBeat;
  if (stepsPerBeat === 4 && step % 2 === 1) return base + swing / 12;
  if (stepsPerBeat === 2 && step === 1) return base + swing / 6;
  return base;
}

class Humaniser {
  private readonly bias = new Map<string, number>();
  private drift = 0;
  constructor(private readonly rng: Rng, private readonly sd: number, private readonly velJitter: number) {}

  /** Timing = a slow shared push/pull per bar + a steady per-part lean (laid-back snare) + per-note scatter. */
  nextBar(): void {
    this.drift = 0.7 * this.drift + 0.35 * this.sd * gaussian(this.rng);
  }
  time(t: number, part: string): number {
    let b = this.bias.get(part);
    if (b === undefined) {
      b = 0.4 * this.sd * gaussian(this.rng);
      this.bias.set(part, b);
    }
    return Math.max(0, t + this.drift + b + this.sd * gaussian(this.rng));
  }
  vel(v: number): number {
    return Math.min(1, Math.max(0.05, v * (1 + this.velJitter * gaussian(this.rng))));
  }
}

export function perform(o: PerformOptions): Performance {
  const { style, bpm, seconds } = o;
  const pattern = style.patterns[o.variant];
  const beat = 60 / bpm;
  const barDur = beat * style.beatsPerBar;
  const steps = style.beatsPerBar * style.stepsPerBeat;
  const nBars = Math.ceil(seconds / barDur) + 1;
  const base = hashSeed('performance', style.name, o.variant, bpm, o.seed);
  // Separate streams so switching the bass or chords on or off leaves the drum performance untouched.
  const drumRng = mulberry32(hashSeed(base, 'drums'));
  const fillRng = mulberry32(hashSeed(base, 'fills'));
  const sd = o.timingMs / 2000;
  const human = new Humaniser(drumRng, sd, o.velocity);
  const stepTime = (bar: number, step: number): number =>
    bar * barDur + Math.floor(step / style.stepsPerBeat) * beat + stepOffset(step % style.stepsPerBeat, style.stepsPerBeat, o.swing) * beat;

  const fillEvery = fillRng() < 0.5 ? 4 : 8;
  const fillBars = new Map<number, { kind: FillKind; beats: number }>();
  if (o.fills) {
    for (let b = fillEvery - 1; b < nBars; b += fillEvery) {
      if (fillRng() < 0.15) continue;
      const kind = style.fills[Math.floor(fillRng() * style.fills.length)];
      const beats = style.beatsPerBar >= 4 && fillRng() < 0.5 ? 2 : 1;
      fillBars.set(b, { kind, beats });
    }
  }

  const drums: DrumEvent[] = [];
  let rr = 0;
  const add = (voice: Voice, t: number, vel: number): void => {
    if (t < seconds) drums.push({ voice, t: human.time(t, voice), vel: human.vel(vel), rr: rr++ });
  };
  const stepDur = beat / style.stepsPerBeat;
  const parsed = Object.entries(pattern.drums).map(([voice, s]) => ({
    voice: voice as Voice,
    bars: splitBars(s, steps, `${style.name}/${voice}`).map(parseDrumBar),
  }));

  for (let bar = 0; bar < nBars; bar++) {
    human.nextBar();
    const fill = fillBars.get(bar);
    const fillStart = fill ? bar * barDur + (style.beatsPerBar - fill.beats) * beat : Infinity;
    const crashHere = fillBars.has(bar - 1) && fillRng() < 0.7;
    if (crashHere) add('crash', bar * barDur, 0.9);
    for (const { voice, bars } of parsed) {
      for (const hit of bars[bar % bars.length]) {
        const t = stepTime(bar, hit.step);
        if (t >= fillStart - 1e-9 && FILL_MUTED.has(voice)) continue;
        if (crashHere && hit.step === 0 && (voice === 'hh' || voice === 'ride' || voice === 'crash')) continue;
        if (hit.mark === 'flam') add(voice, t - 0.025, 0.35);
        add(voice, t, hit.vel);
        if (hit.mark === 'double') add(voice, t + stepDur / 2, hit.vel * 0.85);
      }
    }
    if (fill) addFill(fill.kind, fillStart, fill.beats, beat, style.stepsPerBeat === 3 ? 3 : 4, o.swing, fillRng, add);
  }
  drums.sort((a, b) => a.t - b.t);

  const result: Performance = { drums, bass: [], chords: [] };
  const keyRoot = 33 + Math.floor(mulberry32(hashSeed(base, 'key'))() * 8);
  const chordAt = (bar: number): [number, Quality] => style.chords[Math.floor(bar / style.barsPerChord) % style.chords.length];
  if (o.bass) result.bass = bassLine(o, pattern.bass, steps, nBars, keyRoot, chordAt, stepTime, mulberry32(hashSeed(base, 'bass')), sd);
  if (o.chords) result.chords = chordPart(o, nBars, barDur, beat, keyRoot, chordAt, stepTime, mulberry32(hashSeed(base, 'chords')), sd);
  return result;
}

function addFill(
  kind: FillKind, start: number, beats: number, beat: number, sub: number, swing: number, rng: Rng,
  add: (voice: Voice, t: number, vel: number) => void,
): void {
  const n = beats * sub;
  const toms: Voice[] = ['tomH', 'tomM', 'tomL'];
  for (let k = 0; k < n; k++) {
    const within = k % sub;
    const t = start + Math.floor(k / sub) * beat + (sub === 4 ? stepOffset(within, 4, swing) : within / sub) * beat;
    const progress = n > 1 ? k / (n - 1) : 1;
    // Skipping the odd inner note keeps fills from sounding like a sequencer ramp.
    if (k > 0 && k < n - 1 && rng() < 0.15) continue;
    let voice: Voice;
    if (kind === 'snare') voice = 'snare';
    else if (kind === 'toms') voice = toms[Math.min(2, Math.floor(progress * 3))];
    else voice = k % 2 === 0 ? 'snare' : toms[Math.min(2, Math.floor(progress * 3))];
    const vel = kind === 'snare' ? 0.45 + 0.55 * progress : 0.7 + 0.3 * progress;
    add(voice, t, vel);
  }
}

type StepTime = (bar: number, step: number) => number;

function bassLine(
  o: PerformOptions, line: string, steps: number, nBars: number, keyRoot: number,
  chordAt: (bar: number) => [number, Quality], stepTime: StepTime, rng: Rng, sd: number,
): Note[] {
  const bars = splitBars(line, steps, `${o.style.name}/bass`);
  const notes: Note[] = [];
  let open: { t: number; midi: number; vel: number } | null = null;
  const close = (t: number): void => {
    if (open && t > open.t) notes.push({ t: open.t, dur: (t - open.t) * 0.92, midi: open.midi, vel: open.vel });
    open = null;
  };
  for (let bar = 0; bar < nBars; bar++) {
    const s = bars[bar % bars.length];
    const [root, quality] = chordAt(bar);
    let chordRoot = keyRoot + root;
    if (root > 6) chordRoot -= 12;
    for (let i = 0; i < steps; i++) {
      const sym = s[i];
      if (sym === '-') continue;
      const t = Math.max(0, stepTime(bar, i) + 0.6 * sd * gaussian(rng));
      if (t >= o.seconds) break;
      if (sym === '.') {
        close(t);
        continue;
      }
      const semis = degreeSemitones(sym, quality);
      if (semis === null) throw new Error(`${o.style.name}/bass: unknown degree "${sym}"`);
      close(t);
      const accent = i % o.style.stepsPerBeat === 0 ? 1 : 0.8;
      open = { t, midi: chordRoot + semis, vel: Math.min(1, accent * (1 + o.velocity * 0.5 * gaussian(rng))) };
    }
  }
  close(o.seconds);
  return notes;
}

function chordPart(
  o: PerformOptions, nBars: number, barDur: number, beat: number, keyRoot: number,
  chordAt: (bar: number) => [number, Quality], stepTime: StepTime, rng: Rng, sd: number,
): ChordEvent[] {
  const style = o.style;
  const voicing = (bar: number): number[] => {
    const [root, quality] = chordAt(bar);
    const r = 48 + ((keyRoot + root) % 12);
    return CHORD_TONES[quality].map((s) => r + s);
  };
  const out: ChordEvent[] = [];
  if (!style.chordHits) {
    for (let bar = 0; bar < nBars; bar += style.barsPerChord) {
      const t = bar * barDur;
      if (t < o.seconds) out.push({ t, dur: style.barsPerChord * barDur, midis: voicing(bar), vel: 0.8, stab: false });
    }
    return out;
  }
  const steps = style.beatsPerBar * style.stepsPerBeat;
  const hits = parseDrumBar(splitBars(style.chordHits, steps, `${style.name}/chordHits`)[0]);
  for (let bar = 0; bar < nBars; bar++) {
    hits.forEach((h, k) => {
      const t = stepTime(bar, h.step);
      const next = k + 1 < hits.length ? stepTime(bar, hits[k + 1].step) : (bar + 1) * barDur;
      if (t < o.seconds) {
        out.push({ t: Math.max(0, t + 0.6 * sd * gaussian(rng)), dur: Math.min(next - t, beat) * 0.6, midis: voicing(bar), vel: h.vel, stab: true });
      }
    });
  }
  return out;
}
