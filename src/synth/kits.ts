import {
  clap, clave, conga, cowbell, hat, kick, ride, rim, shaker, snare, tom,
  type BassSpec, type HitSpec, type PadSpec, type Voice,
} from './instruments.js';

export interface MasterSpec {
  hp?: number;
  lp?: number;
  drive?: number;
  /** quantise to this many bits (lo-fi samplers) */
  bits?: number;
  /** sample-and-hold factor at 44.1 kHz: crude decimation whose aliasing is the point */
  hold?: number;
  reverb: { mix: number; size: number; damp: number };
}

export interface Kit {
  name: string;
  summary: string;
  voices: Record<Voice, HitSpec>;
  levels: Record<Voice, number>;
  bass: BassSpec;
  pad: PadSpec;
  master: MasterSpec;
}

function levels(overrides: Partial<Record<Voice, number>>): Record<Voice, number> {
  return {
    kick: 1, snare: 0.8, hh: 0.32, oh: 0.3, pedal: 0.22, ride: 0.3, crash: 0.32, clap: 0.6, rim: 0.5,
    tomL: 0.8, tomM: 0.75, tomH: 0.7, shaker: 0.2, cowbell: 0.3, clave: 0.35, congaL: 0.5, congaH: 0.45,
    ...overrides,
  };
}

const acoustic: Kit = {
  name: 'acoustic',
  summary: 'tuned studio kit: beater click, snare with drum modes and wires to 9 kHz, mixed metal/noise cymbals, room reverb',
  voices: {
    kick: kick({ freq: 58, sweep: 2.2, sweepTime: 0.025, decay: 0.22, click: 0.35, clickLp: 5000, drive: 0.8 }),
    snare: snare({ freq: 190, toneDecay: 0.09, toneGain: 0.7, modes: [[1.6, 0.5], [2.3, 0.25]], noiseDecay: 0.09, noiseGain: 0.9, hp: 1200, lp: 9000 }),
    hh: hat({ decay: 0.045, hp: 7000, metal: 0.45, scale: 1.6 }),
    oh: hat({ decay: 0.12, tail: [0.5, 0.5], hp: 6500, metal: 0.45, scale: 1.6 }),
    pedal: hat({ decay: 0.03, hp: 5000, lp: 9000, metal: 0.4, scale: 1.6 }),
    ride: ride({ decay: 1.6, hp: 3000, lp: 12000, bell: 0.3, scale: 1.8, noise: 0.4 }),
    crash: hat({ decay: 0.15, tail: [0.6, 1.5], hp: 2500, lp: 13000, metal: 0.5, scale: 2.2 }),
    clap: clap({ bp: 1200, q: 1.0, decay: 0.12, bursts: 4, spacing: 0.011 }),
    rim: rim({ freq: 1200, decay: 0.02, noise: 0.6, body: 0.6 }),
    tomL: tom({ freq: 95, sweep: 1.25, decay: 0.35, noise: 0.3, modes: [[1.59, 0.25]] }),
    tomM: tom({ freq: 130, sweep: 1.25, decay: 0.3, noise: 0.3, modes: [[1.59, 0.25]] }),
    tomH: tom({ freq: 175, sweep: 1.25, decay: 0.25, noise: 0.3, modes: [[1.59, 0.25]] }),
    shaker: shaker({ hp: 4500, lp: 12000, attack: 0.012, decay: 0.045 }),
    cowbell: cowbell({ freqs: [562, 845, 1390], decay: 0.05, tail: 0.3, bp: 0, square: false }),
    clave: clave({ freq: 2500, decay: 0.03 }),
    congaL: conga({ freq: 200, decay: 0.16, slap: 0.25 }),
    congaH: conga({ freq: 320, decay: 0.13, slap: 0.3 }),
  },
  levels: levels({}),
  bass: { wave: 'saw', cutoff: 350, envCutoff: 900, filterDecay: 0.12, decay: 1.2, release: 0.05, sub: 0.3, drive: 0.5, gain: 0.5 },
  pad: { wave: 'triangle', cutoff: 1800, detune: 6, attack: 0.25, release: 0.4, gain: 0.3 },
  master: { hp: 30, drive: 0.5, reverb: { mix: 0.15, size: 0.35, damp: 0.4 } },
};

const electronic808: Kit = {
  name: 'electronic808',
  summary: 'TR-808 style: long low sine kick, snare layered with a clap, pure square-wave metal hats, sine toms and sine bass, nearly dry',
  voices: {
    kick: kick({ freq: 48, sweep: 3, sweepTime: 0.03, decay: 0.5, click: 0.05, drive: 1.2 }),
    snare: snare({ freq: 238, toneDecay: 0.06, toneGain: 0.9, modes: [[2.0, 0.5]], noiseDecay: 0.07, noiseGain: 0.7, hp: 2000, lp: 11000, clap: 0.8 }),
    hh: hat({ decay: 0.035, hp: 7500, metal: 1, scale: 1 }),
    oh: hat({ decay: 0.1, tail: [0.5, 0.3], hp: 7500, metal: 1, scale: 1 }),
    pedal: hat({ decay: 0.02, hp: 6000, metal: 1, scale: 1 }),
    ride: ride({ decay: 1.2, hp: 4000, bell: 0.1, scale: 1.3, noise: 0.1 }),
    crash: hat({ decay: 0.2, tail: [0.5, 1.2], hp: 3500, metal: 0.9, scale: 1.3 }),
    clap: clap({ bp: 1000, q: 1.4, decay: 0.16, bursts: 4, spacing: 0.012 }),
    rim: rim({ freq: 1667, decay: 0.012, noise: 0.1, body: 0.8 }),
    tomL: tom({ freq: 80, sweep: 1.5, decay: 0.45, noise: 0.05 }),
    tomM: tom({ freq: 110, sweep: 1.5, decay: 0.4, noise: 0.05 }),
    tomH: tom({ freq: 150, sweep: 1.5, decay: 0.35, noise: 0.05 }),
    shaker: shaker({ hp: 7000, attack: 0.002, decay: 0.03 }),
    cowbell: cowbell({ freqs: [540, 800], decay: 0.05, tail: 0.25, bp: 1500, square: true }),
    clave: clave({ freq: 2500, decay: 0.025 }),
    congaL: conga({ freq: 170, decay: 0.2, slap: 0 }),
    congaH: conga({ freq: 250, decay: 0.18, slap: 0 }),
  },
  levels: levels({ kick: 1.1, snare: 0.7, hh: 0.25, oh: 0.22, clap: 0.7 }),
  bass: { wave: 'sine', cutoff: 2000, envCutoff: 0, filterDecay: 0.1, decay: 1.5, release: 0.08, sub: 0, drive: 1.5, gain: 0.7 },
  pad: { wave: 'saw', cutoff: 1200, detune: 10, attack: 0.3, release: 0.6, gain: 0.22 },
  master: { reverb: { mix: 0.06, size: 0.3, damp: 0.5 } },
};

const vintage: Kit = {
  name: 'vintage',
  summary: '60s/70s taped kit: dull short higher kick (72 Hz), loose dark snare (wires low-passed at 4.5 kHz), washy dark cymbals, big plate reverb, 6 kHz tape low-pass and saturation',
  voices: {
    kick: kick({ freq: 72, sweep: 1.5, sweepTime: 0.03, decay: 0.12, click: 0.15, clickLp: 2500, drive: 0.4 }),
    snare: snare({ freq: 170, toneDecay: 0.11, toneGain: 0.8, modes: [[1.6, 0.4]], noiseDecay: 0.12, noiseGain: 0.6, hp: 600, lp: 4500 }),
    hh: hat({ decay: 0.06, hp: 4000, lp: 7000, metal: 0.3, scale: 1.2 }),
    oh: hat({ decay: 0.15, tail: [0.5, 0.6], hp: 4000, lp: 8000, metal: 0.3, scale: 1.3 }),
    pedal: hat({ decay: 0.04, hp: 3500, lp: 7000, metal: 0.3, scale: 1.3 }),
    ride: ride({ decay: 1.8, hp: 2200, lp: 7000, bell: 0.3, scale: 1.4, noise: 0.8 }),
    crash: hat({ decay: 0.2, tail: [0.6, 1.8], hp: 1500, lp: 7000, metal: 0.4, scale: 1.5 }),
    clap: clap({ bp: 900, q: 0.9, decay: 0.14, bursts: 3, spacing: 0.014 }),
    rim: rim({ freq: 800, decay: 0.03, noise: 0.5, body: 0.7 }),
    tomL: tom({ freq: 85, sweep: 1.15, decay: 0.28, noise: 0.3, modes: [[1.59, 0.35], [2.14, 0.15]] }),
    tomM: tom({ freq: 115, sweep: 1.15, decay: 0.25, noise: 0.3, modes: [[1.59, 0.35], [2.14, 0.15]] }),
    tomH: tom({ freq: 150, sweep: 1.15, decay: 0.22, noise: 0.3, modes: [[1.59, 0.35], [2.14, 0.15]] }),
    shaker: shaker({ hp: 3000, lp: 8000, attack: 0.015, decay: 0.06 }),
    cowbell: cowbell({ freqs: [540, 810, 1300], decay: 0.07, tail: 0.35, bp: 0, square: false }),
    clave: clave({ freq: 2200, decay: 0.04 }),
    congaL: conga({ freq: 190, decay: 0.18, slap: 0.3 }),
    congaH: conga({ freq: 300, decay: 0.15, slap: 0.3 }),
  },
  levels: levels({ snare: 0.9, hh: 0.4, ride: 0.28 }),
  bass: { wave: 'square', cutoff: 250, envCutoff: 500, filterDecay: 0.08, decay: 0.6, release: 0.04, sub: 0.2, drive: 0.3, gain: 0.55 },
  pad: { wave: 'triangle', cutoff: 1500, detune: 3, attack: 0.2, release: 0.3, gain: 0.3 },
  master: { hp: 60, lp: 6000, drive: 1.2, reverb: { mix: 0.25, size: 0.7, damp: 0.6 } },
};

const bright: Kit = {
  name: 'bright',
  summary: 'modern tight pop kit: clicky punchy kick, high crisp snare (wires above 3 kHz), small high-pitched cymbals, high toms, saw bass',
  voices: {
    kick: kick({ freq: 62, sweep: 3.5, sweepTime: 0.015, decay: 0.16, click: 0.7, clickLp: 9000, drive: 1.5 }),
    snare: snare({ freq: 260, toneDecay: 0.05, toneGain: 0.6, modes: [[1.5, 0.3]], noiseDecay: 0.06, noiseGain: 1, hp: 3000, lp: 16000 }),
    hh: hat({ decay: 0.03, hp: 9000, metal: 0.6, scale: 2.2 }),
    oh: hat({ decay: 0.08, tail: [0.5, 0.25], hp: 8500, metal: 0.6, scale: 2.2 }),
    pedal: hat({ decay: 0.02, hp: 7000, metal: 0.6, scale: 2.2 }),
    ride: ride({ decay: 1.2, hp: 5000, bell: 0.5, scale: 2.4, noise: 0.25 }),
    crash: hat({ decay: 0.12, tail: [0.5, 1.2], hp: 4000, metal: 0.6, scale: 2.6 }),
    clap: clap({ bp: 2200, q: 1.6, decay: 0.09, bursts: 3, spacing: 0.008 }),
    rim: rim({ freq: 2400, decay: 0.01, noise: 0.8, body: 0.3 }),
    tomL: tom({ freq: 110, sweep: 1.35, decay: 0.22, noise: 0.4, modes: [[1.59, 0.2]] }),
    tomM: tom({ freq: 150, sweep: 1.35, decay: 0.2, noise: 0.4, modes: [[1.59, 0.2]] }),
    tomH: tom({ freq: 200, sweep: 1.35, decay: 0.18, noise: 0.4, modes: [[1.59, 0.2]] }),
    shaker: shaker({ hp: 8000, attack: 0.005, decay: 0.03 }),
    cowbell: cowbell({ freqs: [587, 880], decay: 0.04, tail: 0.2, bp: 3000, square: true }),
    clave: clave({ freq: 2900, decay: 0.022 }),
    congaL: conga({ freq: 230, decay: 0.12, slap: 0.5 }),
    congaH: conga({ freq: 360, decay: 0.1, slap: 0.5 }),
  },
  levels: levels({ snare: 0.85, hh: 0.35 }),
  bass: { wave: 'saw', cutoff: 700, envCutoff: 2500, filterDecay: 0.08, decay: 0.5, release: 0.03, sub: 0.4, drive: 0.8, gain: 0.45 },
  pad: { wave: 'saw', cutoff: 3000, detune: 12, attack: 0.15, release: 0.3, gain: 0.18 },
  master: { hp: 30, reverb: { mix: 0.1, size: 0.4, damp: 0.2 } },
};

const lofi: Kit = {
  name: 'lofi',
  summary: 'dusty sampler: boomy saturated kick, muffled snare (wires below 3.5 kHz), dark hats, 10-bit / ~15 kHz decimated, low-passed at 5 kHz',
  voices: {
    kick: kick({ freq: 52, sweep: 2, sweepTime: 0.04, decay: 0.3, click: 0.1, clickLp: 1500, drive: 2.5 }),
    snare: snare({ freq: 200, toneDecay: 0.08, toneGain: 0.9, modes: [[1.7, 0.3]], noiseDecay: 0.08, noiseGain: 0.5, hp: 800, lp: 3500, drive: 1.5 }),
    hh: hat({ decay: 0.05, hp: 3500, lp: 6000, metal: 0.2, scale: 1.2 }),
    oh: hat({ decay: 0.12, tail: [0.5, 0.4], hp: 3500, lp: 6000, metal: 0.2, scale: 1.2 }),
    pedal: hat({ decay: 0.035, hp: 3000, lp: 5500, metal: 0.2, scale: 1.2 }),
    ride: ride({ decay: 1.4, hp: 2000, lp: 6000, bell: 0.2, scale: 1.2, noise: 0.5 }),
    crash: hat({ decay: 0.15, tail: [0.5, 1.3], hp: 2000, lp: 6000, metal: 0.3, scale: 1.4 }),
    clap: clap({ bp: 1100, q: 1, decay: 0.15, bursts: 4, spacing: 0.013 }),
    rim: rim({ freq: 1000, decay: 0.02, noise: 0.4, body: 0.5 }),
    tomL: tom({ freq: 90, sweep: 1.3, decay: 0.3, noise: 0.15, modes: [[1.59, 0.3]] }),
    tomM: tom({ freq: 120, sweep: 1.3, decay: 0.27, noise: 0.15, modes: [[1.59, 0.3]] }),
    tomH: tom({ freq: 160, sweep: 1.3, decay: 0.24, noise: 0.15, modes: [[1.59, 0.3]] }),
    shaker: shaker({ hp: 3000, lp: 6000, attack: 0.02, decay: 0.07 }),
    cowbell: cowbell({ freqs: [540, 800], decay: 0.06, tail: 0.3, bp: 1200, square: true }),
    clave: clave({ freq: 1900, decay: 0.035 }),
    congaL: conga({ freq: 180, decay: 0.2, slap: 0.2 }),
    congaH: conga({ freq: 280, decay: 0.17, slap: 0.2 }),
  },
  levels: levels({ kick: 1.1, hh: 0.4, shaker: 0.3 }),
  bass: { wave: 'triangle', cutoff: 300, envCutoff: 400, filterDecay: 0.1, decay: 0.8, release: 0.06, sub: 0.5, drive: 1, gain: 0.6 },
  pad: { wave: 'triangle', cutoff: 900, detune: 15, attack: 0.3, release: 0.5, gain: 0.3 },
  master: { hp: 60, lp: 5000, drive: 1.5, bits: 10, hold: 3, reverb: { mix: 0.05, size: 0.3, damp: 0.7 } },
};

const ALL: Kit[] = [acoustic, electronic808, vintage, bright, lofi];

export const KITS: string[] = ALL.map((k) => k.name);

export function getKit(name: string): Kit {
  const kit = ALL.find((k) => k.name === name);
  if (!kit) throw new Error(`unknown kit "${name}" (known: ${KITS.join(', ')})`);
  return kit;
}
