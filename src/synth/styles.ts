import type { Voice } from './instruments.js';

export type Meter = '4/4' | '3/4' | '2/4' | '6/8' | '5/4';
export type Quality = 'maj' | 'min' | '7' | 'm7' | 'maj7';
export type FillKind = 'toms' | 'snare' | 'mixed';

/**
 * Step strings, one character per grid step; spaces are only for reading (one group per beat), `|` separates
 * bars and a voice's bars cycle independently. Velocities: X 1.0, x 0.8, o 0.6, g 0.32 (ghost);
 * f = flam (grace note just before), r = double stroke within the step.
 * Bass strings hold chord-relative degrees: 1 root, 2, 3 (chord third), m (minor third), 4, 5, 6,
 * 7 (chord seventh), 8 octave, l (fifth below); `-` holds the previous note, `.` rests.
 */
export interface Pattern {
  drums: Partial<Record<Voice, string>>;
  bass: string;
}

export interface Style {
  name: string;
  meter: Meter;
  /** beats per bar; in 6/8 the beat is the dotted quarter, so bpm counts dotted quarters */
  beatsPerBar: number;
  stepsPerBeat: number;
  tempoRange: [number, number];
  /** 0 straight … 1 full triplet; moves every second step of a 2- or 4-step beat later */
  swing?: number;
  patterns: Pattern[];
  chords: Array<[number, Quality]>;
  barsPerChord: number;
  /** comping rhythm for chords (one bar); without it chords are sustained pads */
  chordHits?: string;
  fills: FillKind[];
}

export const STYLES: Style[] = [
  {
    name: 'rock', meter: '4/4', beatsPerBar: 4, stepsPerBeat: 4, tempoRange: [92, 140],
    patterns: [
      { drums: { kick: 'X... .... X.x. ....', snare: '.... X... .... X...', hh: 'x.o. x.o. x.o. x.o.' }, bass: '1.1. 1.1. 1.1. 1.5.' },
      {
        drums: {
          kick: 'X... ..x. X.x. ....|X... ..x. X... ..x.', snare: '.... X... .... X...|.... X... .... X..g',
          hh: 'x.x. x.x. x.x. x...', oh: '.... .... .... ..x.',
        },
        bass: '1.1. ..1. 1.1. ....|1.1. ..1. 1... ..5.',
      },
    ],
    chords: [[0, 'maj'], [7, 'maj'], [9, 'min'], [5, 'maj']], barsPerChord: 2, fills: ['toms', 'mixed'],
  },
  {
    name: 'funk', meter: '4/4', beatsPerBar: 4, stepsPerBeat: 4, tempoRange: [88, 112],
    patterns: [
      { drums: { kick: 'X.x. ...x ..x. ....', snare: '.g.. X..g .g.g X.g.', hh: 'xoxo xoxo xoxo xo.o', oh: '.... .... .... ..x.' }, bass: '1..8 .1.. ..7. 1.5.' },
      { drums: { kick: 'X..x ..X. ..x. .x..', snare: '...g X.g. .g.. X..g', hh: 'x.xx x.xx x.xx x.x.' }, bass: '1..1 ..8. .1.. 7.5.' },
    ],
    chords: [[0, 'm7'], [0, 'm7'], [5, '7'], [0, 'm7']], barsPerChord: 1, chordHits: '.... ..x. .x.. x...', fills: ['snare', 'mixed'],
  },
  {
    name: 'shuffle', meter: '4/4', beatsPerBar: 4, stepsPerBeat: 3, tempoRange: [88, 130],
    patterns: [
      { drums: { kick: 'X.. ... X.. ..x', snare: '... X.. ... X..', hh: 'x.o x.o x.o x.o' }, bass: '1.3 5.6 7.6 5.3' },
      { drums: { kick: 'X.. ..x X.. ...', snare: '..g X.. ..g X.g', ride: 'x.o x.o x.o x.o', pedal: '... x.. ... x..' }, bass: '1.3 5.6 7.6 5.3' },
    ],
    chords: [[0, '7'], [0, '7'], [0, '7'], [0, '7'], [5, '7'], [5, '7'], [0, '7'], [0, '7'], [7, '7'], [5, '7'], [0, '7'], [7, '7']],
    barsPerChord: 1, fills: ['toms', 'snare'],
  },
  {
    name: 'reggae-one-drop', meter: '4/4', beatsPerBar: 4, stepsPerBeat: 3, tempoRange: [66, 84],
    patterns: [
      { drums: { kick: '... ... X.. ...', rim: '... ... X.. ...', hh: 'x.o x.o x.o x.o' }, bass: '... 1.1 5.. 8.7' },
      { drums: { kick: '... ... X.. ...', rim: '... ..g X.. ..g', hh: 'x.. x.x x.. x.x' }, bass: '1.. ... 5.5 ..1' },
    ],
    chords: [[0, 'min'], [5, 'min']], barsPerChord: 2, chordHits: '... x.. ... x..', fills: ['toms'],
  },
  {
    name: 'bossa-nova', meter: '4/4', beatsPerBar: 4, stepsPerBeat: 2, tempoRange: [120, 150],
    patterns: [
      { drums: { kick: 'X. .x X. .x', rim: 'x. .x .. x.|.. x. .x ..', hh: 'xo xo xo xo' }, bass: '1. .5 5. .1' },
      { drums: { kick: 'X. .x X. .x', rim: '.. x. .x ..|x. .x .. x.', shaker: 'xo xo xo xo', pedal: '.. x. .. x.' }, bass: '1. .5 5. .1|1. .5 l. .1' },
    ],
    chords: [[0, 'maj7'], [0, 'maj7'], [2, 'm7'], [7, '7']], barsPerChord: 1, fills: ['snare'],
  },
  {
    name: 'samba', meter: '2/4', beatsPerBar: 2, stepsPerBeat: 4, tempoRange: [88, 108],
    patterns: [
      { drums: { kick: 'o..x X..x', shaker: 'ooox ooox', rim: 'x.x. .x.x|.x.. x.x.', snare: 'g.gx g.gx' }, bass: '1..l l..1' },
      { drums: { kick: 'o..x X..x', hh: 'oooX oooX', rim: 'x..x ..x.|..x. x...', snare: 'gg.g X.g.' }, bass: '1..l l..1' },
    ],
    chords: [[0, 'maj'], [0, 'maj'], [7, '7'], [7, '7']], barsPerChord: 1, fills: ['snare', 'toms'],
  },
  {
    name: 'waltz', meter: '3/4', beatsPerBar: 3, stepsPerBeat: 2, tempoRange: [90, 160],
    patterns: [
      { drums: { kick: 'X. .. ..', snare: '.. o. o.', hh: 'x. x. x.' }, bass: '1. .. ..|5. .. ..' },
      { drums: { kick: 'o. .. ..', snare: '.. .. .g|.. .g ..', ride: 'X. xo x.', pedal: '.. x. ..' }, bass: '1. 3. 5.|5. 3. 1.' },
    ],
    chords: [[0, 'maj'], [5, 'maj'], [7, '7'], [0, 'maj']], barsPerChord: 2, chordHits: '.. x. x.', fills: ['snare'],
  },
  {
    name: 'six-eight', meter: '6/8', beatsPerBar: 2, stepsPerBeat: 3, tempoRange: [46, 72],
    patterns: [
      { drums: { kick: 'X.. ...', snare: '... X..', hh: 'xoo xoo' }, bass: '1.. ..5|8.. 5..' },
      {
        drums: { kick: 'X.. x..', cowbell: 'x.x .xx|.x. x.x', congaL: '... ..x|... x.x', rim: '... x..', shaker: 'xoo xoo' },
        bass: '1.. ..1|5.. ...',
      },
    ],
    chords: [[0, 'min'], [5, 'min'], [0, 'min'], [7, '7']], barsPerChord: 1, fills: ['toms'],
  },
  {
    name: 'hip-hop', meter: '4/4', beatsPerBar: 4, stepsPerBeat: 4, tempoRange: [84, 98], swing: 0.3,
    patterns: [
      { drums: { kick: 'X... .... ..X. .x..', snare: '.... X... .... X...', hh: 'x.xo x.x. x.xo x.x.' }, bass: '1... .... ..1. .1..' },
      {
        drums: {
          kick: 'X..x ..x. ..X. ....|X... ..x. .xX. ....', snare: '.... X... .... X...|.... X... .... X..g',
          hh: 'x.x. x.x. x.x. x.x.|x.x. x.x. x.x. x.xx',
        },
        bass: '1..1 ..1. ..1. ....|1... ..1. .11. ....',
      },
    ],
    chords: [[0, 'm7'], [5, 'm7']], barsPerChord: 2, fills: ['snare'],
  },
  {
    name: 'house', meter: '4/4', beatsPerBar: 4, stepsPerBeat: 4, tempoRange: [118, 128],
    patterns: [
      { drums: { kick: 'X... X... X... X...', clap: '.... X... .... X...', oh: '..x. ..x. ..x. ..x.', hh: '.x.x .x.x .x.x .x.x' }, bass: '..1. ..1. ..1. ..8.' },
      { drums: { kick: 'X... X... X... X...', clap: '.... X... .... X...', hh: '..X. ..X. ..X. ..X.', shaker: 'xoxo xoxo xoxo xoxo' }, bass: '..1. ..1. ..1. .1..' },
    ],
    chords: [[0, 'm7'], [0, 'm7'], [5, 'm7'], [7, 'm7']], barsPerChord: 2, fills: ['snare'],
  },
  {
    name: 'breakbeat', meter: '4/4', beatsPerBar: 4, stepsPerBeat: 4, tempoRange: [96, 140],
    patterns: [
      {
        drums: {
          kick: 'X.x. .... ..xx ....|X.x. .... ..x. ..x.', snare: '.... X..x .x.. X..x|.... X..x .x.. X...',
          ride: 'x.x. x.x. x.x. x.x.',
        },
        bass: '1.1. .... ..1. ..5.|1.1. .... ..7. ..5.',
      },
      { drums: { kick: 'X.x. ..x. ..x. .x..', snare: '...g X.gg .g.g X..g', hh: 'xxxx xxx. xxxx x.xx', oh: '.... ...x .... .x..' }, bass: '1... ..1. ..1. .5..' },
    ],
    chords: [[0, 'min'], [0, 'min'], [8, 'maj'], [7, 'maj']], barsPerChord: 2, fills: ['snare', 'toms'],
  },
  {
    name: 'march', meter: '2/4', beatsPerBar: 2, stepsPerBeat: 4, tempoRange: [100, 124],
    patterns: [
      { drums: { kick: 'X... x...', snare: 'f.xx X.xx|f.xx r.X.', crash: '.... ....|.... o...' }, bass: '1... l...' },
      { drums: { kick: 'X... x...', snare: 'X.xx x.xx|X.xx xxX.' }, bass: '1... l...|1... 5...' },
    ],
    chords: [[0, 'maj'], [7, '7'], [7, '7'], [0, 'maj']], barsPerChord: 2, chordHits: '..x. ..x.', fills: ['snare'],
  },
  {
    name: 'disco', meter: '4/4', beatsPerBar: 4, stepsPerBeat: 4, tempoRange: [110, 130],
    patterns: [
      { drums: { kick: 'X... X... X... X...', snare: '.... X... .... X...', hh: 'x... x... x... x...', oh: '..x. ..x. ..x. ..x.' }, bass: '1.8. 1.8. 1.8. 1.8.' },
      {
        drums: { kick: 'X... X... X... X...', snare: '.... X... .... X..g', clap: '.... x... .... x...', hh: 'xox. xox. xox. xox.', oh: '...x ...x ...x ...x' },
        bass: '1.8. 1.8. 1.8. 5.7.',
      },
    ],
    chords: [[0, 'm7'], [0, 'm7'], [5, '7'], [5, '7']], barsPerChord: 1, fills: ['snare', 'toms'],
  },
  {
    name: 'drum-and-bass', meter: '4/4', beatsPerBar: 4, stepsPerBeat: 4, tempoRange: [164, 178],
    patterns: [
      { drums: { kick: 'X... .... ..X. ....', snare: '.... X... .... X...', hh: 'x.x. x.x. x.x. x.x.', shaker: 'oxox oxox oxox oxox' }, bass: '1--- ---- ---- ..1-' },
      {
        drums: {
          kick: 'X.X. .... ..X. ....|X... .... .xX. ....', snare: '.... X..g .g.. X..g|.... X..g .g.. X...',
          hh: 'x.xx x.x. x.xx x.x.',
        },
        bass: '1--- ---- m--- ----|5--- ---- ---- ..8-',
      },
    ],
    chords: [[0, 'min'], [0, 'min'], [8, 'maj'], [10, 'maj']], barsPerChord: 2, fills: ['snare'],
  },
  {
    name: 'five-four', meter: '5/4', beatsPerBar: 5, stepsPerBeat: 2, tempoRange: [140, 180], swing: 0.6,
    patterns: [
      { drums: { kick: 'X. .. .. x. ..', snare: '.. .. x. .. X.', ride: 'x. xx x. xx x.', pedal: '.. x. .. x. ..' }, bass: '1. .5 8. 1. 5.' },
      { drums: { kick: 'X. .x .. x. ..', snare: '.. x. .. .. x.', ride: 'x. x. x. x. x.', pedal: '.. x. .. x. ..' }, bass: '1. .. 5. 1. ..' },
    ],
    chords: [[0, 'm7'], [7, 'm7']], barsPerChord: 1, chordHits: '.. x. .x x. ..', fills: ['mixed', 'snare'],
  },
  {
    name: 'afrobeat', meter: '4/4', beatsPerBar: 4, stepsPerBeat: 4, tempoRange: [100, 124],
    patterns: [
      {
        drums: {
          kick: 'X... ..x. .... x...|X... ..x. .x.. ....', snare: '.g.. x..g .g.. x.g.|.g.. x..g .g.g x...',
          hh: 'xoxo xo.o xoxo xo.o', oh: '.... ..x. .... ..x.', clave: 'x..x ..x. ..x. x...', shaker: 'oxoo oxoo oxoo oxoo',
        },
        bass: '1..1 .5.. 8.7. 5...',
      },
      {
        drums: {
          kick: 'X..x ..x. .x.. ..x.', snare: '..g. x.g. ..gx .g..', hh: 'xoxo xoxo xoxo xoxo',
          congaH: '..x. ..xx ..x. ..xx', congaL: '.... .x.. .... .x..', cowbell: 'o.o. o.o. o.o. o.o.',
        },
        bass: '1... ..1. 7... 5.1.',
      },
    ],
    chords: [[0, 'm7']], barsPerChord: 4, chordHits: '..x. .x.. x..x .x..', fills: ['toms', 'snare'],
  },
  {
    name: 'songo', meter: '4/4', beatsPerBar: 4, stepsPerBeat: 4, tempoRange: [92, 120],
    patterns: [
      {
        drums: {
          kick: 'x... ..x. .... ..x.', cowbell: 'x.x. xx.x .xx. x.x.', rim: '..x. x... x..x ...x',
          snare: '.g.. .gx. .g.. x.gg', congaH: 'g.g. x.g. g.g. ....', congaL: '.... .... .... x.x.',
        },
        bass: '.... ..1. .... 5...',
      },
      {
        drums: {
          kick: '.... ..x. .x.. ..x.', cowbell: 'x.x. x.xx x.x. xx.x', rim: '..x. x... x..x ...x',
          snare: '..g. x..g .gx. ..g.', pedal: 'x... x... x... x...', congaL: '.... .... .... x.x.',
        },
        bass: '.... ..1. .... 5...',
      },
    ],
    chords: [[0, 'maj'], [5, 'maj'], [7, '7'], [5, 'maj']], barsPerChord: 1, chordHits: 'x.x. .x.x .x.x x.x.', fills: ['toms', 'mixed'],
  },
  {
    name: 'jazz-swing', meter: '4/4', beatsPerBar: 4, stepsPerBeat: 3, tempoRange: [110, 200],
    patterns: [
      {
        drums: { ride: 'x.. X.o x.. X.o', pedal: '... x.. ... x..', kick: 'g.. g.. g.. g..', snare: '... ..g ... ...|... ... ..g ..g' },
        bass: '1.. 3.. 5.. 3..|1.. 5.. 3.. 2..',
      },
      { drums: { ride: 'x.. X.o x.. X.o', pedal: '... x.. ... x..', kick: 'g.. ... g.. ...', snare: '... ... ... ..g' }, bass: '1.. ... 5.. ...' },
    ],
    chords: [[2, 'm7'], [7, '7'], [0, 'maj7'], [9, '7']], barsPerChord: 1, chordHits: 'x.. ..x ... ...', fills: ['mixed', 'snare'],
  },
  {
    name: 'reggaeton', meter: '4/4', beatsPerBar: 4, stepsPerBeat: 4, tempoRange: [86, 100],
    patterns: [
      { drums: { kick: 'X... X... X... X...', snare: '...x ..x. ...x ..x.', hh: 'x.x. x.x. x.x. x.x.' }, bass: '1..1 ..1. 1..1 ..1.' },
      { drums: { kick: 'X... X... X... X...', clap: '...x ..x. ...x ..x.', shaker: 'oxox oxox oxox oxox', rim: '.... .... .... ..x.' }, bass: '1..1 ..1. 1..1 ..1.' },
    ],
    chords: [[0, 'min'], [8, 'maj'], [3, 'maj'], [10, 'maj']], barsPerChord: 1, fills: ['snare'],
  },
];

export function styleNames(): string[] {
  return STYLES.map((s) => s.name);
}

export function getStyle(name: string): Style {
  const style = STYLES.find((s) => s.name === name);
  if (!style) throw new Error(`unknown style "${name}" (known: ${styleNames().join(', ')})`);
  return style;
}

export interface StepHit {
  step: number;
  vel: number;
  mark: 'hit' | 'flam' | 'double';
}

const VELOCITY: Record<string, number> = { X: 1, x: 0.8, o: 0.6, g: 0.32, f: 0.9, r: 0.75 };

/** Splits a step string into bars of `steps` characters; throws on a malformed string so typos surface in tests. */
export function splitBars(s: string, steps: number, what: string): string[] {
  const bars = s.split('|').map((b) => b.replace(/\s+/g, ''));
  for (const b of bars) if (b.length !== steps) throw new Error(`${what}: bar "${b}" has ${b.length} steps, expected ${steps}`);
  return bars;
}

export function parseDrumBar(bar: string): StepHit[] {
  const hits: StepHit[] = [];
  for (let i = 0; i < bar.length; i++) {
    const c = bar[i];
    if (c === '.') continue;
    const vel = VELOCITY[c];
    if (vel === undefined) throw new Error(`unknown step symbol "${c}"`);
    hits.push({ step: i, vel, mark: c === 'f' ? 'flam' : c === 'r' ? 'double' : 'hit' });
  }
  return hits;
}

const DEGREE: Record<string, number> = { '1': 0, '2': 2, m: 3, '4': 5, '5': 7, '6': 9, '8': 12, l: -5 };

/** Semitones above the chord root for a bass symbol; null for rests and holds. */
export function degreeSemitones(sym: string, quality: Quality): number | null {
  if (sym === '3') return quality === 'min' || quality === 'm7' ? 3 : 4;
  if (sym === '7') return quality === 'maj7' ? 11 : 10;
  return DEGREE[sym] ?? null;
}

export const CHORD_TONES: Record<Quality, number[]> = {
  maj: [0, 4, 7], min: [0, 3, 7], '7': [0, 4, 7, 10], m7: [0, 3, 7, 10], maj7: [0, 4, 7, 11],
};
