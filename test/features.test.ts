import { describe as suite, expect, it } from 'vitest';
import { melSpectrogram } from '../src/features/frames.js';
import { hzToMel, melToHz } from '../src/features/mel.js';
import { autocorrelation, onsetEnvelopes, whitenedEnvelopes } from '../src/features/onset.js';
import { barLength, barPattern, bpmCode, canonicalPeriod, tempoCode } from '../src/features/rhythm.js';
import { computeStats, finalVector } from '../src/features/standardise.js';
import { estimateTempo } from '../src/features/tempo.js';
import { BLOCKS, VECTOR_LENGTH, describe, segmentStarts } from '../src/features/vector.js';
import { renderGroove } from '../src/synth/index.js';

const SR = 22050;

/** A short decaying tone burst every beat: the simplest signal with a known tempo. */
function clickTrack(bpm: number, seconds: number, freq = 1000): Float32Array {
  const x = new Float32Array(SR * seconds);
  const period = (60 / bpm) * SR;
  for (let t = 0; t < x.length; t += period) {
    const i = Math.round(t);
    for (let j = 0; j < 400 && i + j < x.length; j++) x[i + j] += Math.sin((2 * Math.PI * freq * j) / SR) * Math.exp(-j / 80);
  }
  return x;
}

function sine(freq: number, seconds: number): Float32Array {
  const x = new Float32Array(SR * seconds);
  for (let i = 0; i < x.length; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * freq * i) / SR);
  return x;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return d / Math.sqrt(na * nb);
}

suite('mel spectrogram', () => {
  it('mel scale round-trips', () => {
    for (const hz of [50, 440, 1000, 4000, 10000]) expect(melToHz(hzToMel(hz))).toBeCloseTo(hz, 6);
  });

  it('a 2 kHz sine peaks in the mel band centred nearest 2 kHz', () => {
    const s = melSpectrogram(sine(2000, 2), SR);
    const mid = Math.floor(s.frames / 2) * s.nMels;
    let best = 0;
    for (let m = 1; m < s.nMels; m++) if (s.db[mid + m] > s.db[mid + best]) best = m;
    const nearest = Array.from(s.centresHz).reduce((bi, c, i, arr) => (Math.abs(c - 2000) < Math.abs(arr[bi] - 2000) ? i : bi), 0);
    expect(Math.abs(best - nearest)).toBeLessThanOrEqual(1);
    expect(s.fps).toBeCloseTo(SR / 256, 6);
  });
});

suite('onsets and tempo', () => {
  for (const bpm of [90, 120, 150]) {
    it(`a click track at ${bpm} BPM reads ${bpm} BPM within 2 %`, () => {
      const env = onsetEnvelopes(melSpectrogram(clickTrack(bpm, 20), SR));
      const t = estimateTempo(env.bands[env.bands.length - 1], env.fps);
      expect(Math.abs(t.bpm - bpm) / bpm).toBeLessThan(0.02);
      expect(t.confidence).toBeGreaterThan(0.5);
    });
  }

  it('with all band envelopes a click track still reads its tempo', () => {
    const env = onsetEnvelopes(melSpectrogram(clickTrack(120, 20), SR));
    const t = estimateTempo(env.bands, env.fps);
    expect(Math.abs(t.bpm - 120) / 120).toBeLessThan(0.02);
    expect(t.confidence).toBeGreaterThan(0.5);
  });

  // Each of these read at another metrical level from the sum envelope alone: drum-and-bass at half
  // tempo, 6/8 at two beats per dotted quarter, reggaeton's 3+3+2 at 4/3 of the beat.
  for (const [style, bpm, kit, seed] of [
    ['drum-and-bass', 172, 'acoustic', 1],
    ['six-eight', 56, 'acoustic', 2],
    ['reggaeton', 88, 'electronic808', 2],
  ] as const) {
    it(`a ${style} groove at ${bpm} BPM reads within 4 %`, () => {
      const g = renderGroove({ style, bpm, kit, seconds: 12, seed, sampleRate: SR });
      const env = onsetEnvelopes(melSpectrogram(g.samples, SR));
      expect(Math.abs(estimateTempo(env.bands, env.fps).bpm - bpm) / bpm).toBeLessThan(0.04);
    });
  }

  it('a steady sine has no confident tempo', () => {
    const env = onsetEnvelopes(melSpectrogram(sine(440, 10), SR));
    expect(estimateTempo(env.bands[5], env.fps).confidence).toBeLessThan(0.2);
  });

  it('onsets of a low click land in the kick band, of a high click in the hat band', () => {
    const low = onsetEnvelopes(melSpectrogram(clickTrack(120, 5, 80), SR));
    const high = onsetEnvelopes(melSpectrogram(clickTrack(120, 5, 8000), SR));
    const energy = (e: Float32Array) => e.reduce((s, v) => s + v, 0);
    expect(energy(low.bands[0])).toBeGreaterThan(5 * energy(low.bands[4]));
    expect(energy(high.bands[4])).toBeGreaterThan(5 * energy(high.bands[0]));
  });

  it('whitened envelopes weigh a faint hi-hat like a loud one: the kit balance does not change the hat band', () => {
    const mix = (hatGain: number) => {
      const beat = clickTrack(120, 10, 100);
      const hat = clickTrack(240, 10, 7000);
      return beat.map((v, i) => v + hatGain * hat[i]);
    };
    const peakOf = (e: Float32Array) => e.reduce((m, v) => Math.max(m, v), 0);
    const loud = whitenedEnvelopes(melSpectrogram(mix(1), SR));
    const faint = whitenedEnvelopes(melSpectrogram(mix(0.05), SR));
    // 26 dB quieter hats give nearly the same hat-band onsets; the plain envelopes drop 25-fold.
    expect(peakOf(faint.bands[3]) / peakOf(loud.bands[3])).toBeGreaterThan(0.8);
    const plainLoud = onsetEnvelopes(melSpectrogram(mix(1), SR));
    const plainFaint = onsetEnvelopes(melSpectrogram(mix(0.05), SR));
    expect(peakOf(plainFaint.bands[4]) / peakOf(plainLoud.bands[4])).toBeLessThan(0.1);
  });

  it('a decaying tail is not a stream of onsets: only the hit itself rises above the recent maximum', () => {
    const x = new Float32Array(SR * 4);
    let seed = 3;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    // One noise burst a second with a long flickering tail, like a hit through a plate reverb.
    for (let s = 0; s < 4; s++) for (let j = 0; j < SR; j++) x[s * SR + j] = rand() * Math.exp(-j / (0.4 * SR));
    // Tallest bump between the hits relative to the hits themselves.
    const flicker = (env: { bands: Float32Array[]; fps: number }) => {
      const sum = env.bands[env.bands.length - 1];
      const near = (t: number) => Math.abs(t / env.fps - Math.round(t / env.fps)) < 0.05;
      let hit = 0;
      let between = 0;
      sum.forEach((v, t) => (near(t) ? (hit = Math.max(hit, v)) : (between = Math.max(between, v))));
      return between / hit;
    };
    const spec = melSpectrogram(x, SR);
    expect(flicker(whitenedEnvelopes(spec))).toBeLessThan(0.08);
    expect(flicker(onsetEnvelopes(spec))).toBeGreaterThan(0.1);
  });

  it('autocorrelation of a periodic pulse is 1 at its period and 0 for silence', () => {
    const x = new Float32Array(400);
    for (let i = 0; i < 400; i += 20) x[i] = 1;
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const r = autocorrelation(x.map((v) => v - mean), 60);
    expect(r[20]).toBeCloseTo(1, 5);
    expect(r[10]).toBeLessThan(0);
    expect(Array.from(autocorrelation(new Float32Array(100), 10)).every((v) => v === 0)).toBe(true);
  });
});

suite('descriptors', () => {
  it('the tempo code puts nearby tempi close and distant ones apart', () => {
    expect(cosine(tempoCode(120), tempoCode(122))).toBeGreaterThan(0.9);
    expect(cosine(tempoCode(120), tempoCode(90))).toBeLessThan(0.2);
  });

  it('the BPM code tells 1 % apart and folds octaves together', () => {
    expect(cosine(bpmCode(120), bpmCode(120.1))).toBeGreaterThan(0.95);
    expect(cosine(bpmCode(120), bpmCode(121.2))).toBeLessThan(0.1);
    expect(cosine(bpmCode(120), bpmCode(60))).toBeGreaterThan(0.999);
    // Far apart on the circle nothing is left but small side lobes.
    for (let bpm = 122; bpm <= 236; bpm += 0.5) expect(Math.abs(cosine(bpmCode(120), bpmCode(bpm)))).toBeLessThan(0.25);
  });

  it('beat-relative blocks measure the beat in one octave: 60, 120 and 240 BPM share a period', () => {
    const fps = SR / 256;
    const period = (bpm: number) => (fps * 60) / bpm;
    for (const bpm of [60, 120, 240]) expect(canonicalPeriod(period(bpm), fps)).toBeCloseTo(period(120), 6);
    expect(canonicalPeriod(period(90), fps)).toBeCloseTo(period(90), 6);
    expect(canonicalPeriod(period(170), fps)).toBeCloseTo(period(85), 6);
  });

  it('the pattern block is tempo-invariant: the same pattern at 100 and 130 BPM matches better than another pattern', () => {
    const pattern = (bpm: number, offbeat: boolean) => {
      const beat = clickTrack(bpm, 20, 100);
      const hat = clickTrack(bpm, 20, 7000);
      const shift = Math.round(((60 / bpm) * SR) / (offbeat ? 2 : 4));
      const out = new Float32Array(beat.length);
      for (let i = 0; i < out.length; i++) out[i] = beat[i] + (i >= shift ? hat[i - shift] : 0);
      return describe(out, SR).vector;
    };
    const block = BLOCKS.find((b) => b.name === 'pattern')!;
    const slice = (v: Float32Array) => v.slice(block.start, block.start + block.length);
    const a = slice(pattern(100, true));
    const b = slice(pattern(130, true));
    const c = slice(pattern(100, false));
    expect(cosine(a, b)).toBeGreaterThan(cosine(a, c));
    expect(cosine(a, b)).toBeGreaterThan(0.9);
    expect(cosine(a, c)).toBeLessThan(cosine(a, b) - 0.1);
  });

  it('a second reading an octave away lines a half-time reading up with the same groove played a little slower', () => {
    const groove = (bpm: number) =>
      describe(renderGroove({ style: 'rock', bpm, kit: 'acoustic', seconds: 16, seed: 3, sampleRate: SR, humanise: { timingMs: 0, velocity: 0 }, fills: false }).samples, SR, { alt: true });
    const fast = groove(170); // canonical 85: the half-time reading
    const slower = groove(150); // canonical 150
    // Below 113 BPM the second reading doubles the tempo, from it up it halves it.
    expect(fast.alt_factor).toBe(2);
    expect(slower.alt_factor).toBe(0.5);
    const block = BLOCKS.find((b) => b.name === 'pattern')!;
    const slice = (v: Float32Array) => v.slice(block.start, block.start + block.length);
    const own = cosine(slice(fast.vector), slice(slower.vector));
    const other = cosine(slice(fast.alt_vector!), slice(slower.vector));
    expect(other).toBeGreaterThan(own + 0.1);
    expect(other).toBeGreaterThan(0.9);
  });

  it('the bar block ignores where the cycle starts but not where the snare sits against the kick', () => {
    // Two bands, impulse trains over a 4-beat cycle of 40 frames per beat: kick on 1 and 3, snare on 2 and 4.
    const period = 40;
    const n = 40 * period;
    const bands = (start: number, snareAt: number) => {
      const kick = new Float32Array(n);
      const snare = new Float32Array(n);
      // Every frame t with (t − start) a multiple of two beats: whole cycles, whatever the start.
      for (let t = 0; t < n; t++) {
        if ((((t - start) % (2 * period)) + 2 * period) % (2 * period) === 0) kick[t] = 1;
        if ((((t - start - snareAt) % (2 * period)) + 2 * period) % (2 * period) === 0) snare[t] = 1;
      }
      return [kick, snare];
    };
    const base = barPattern(bands(0, period), period);
    expect(base.length).toBe(barLength(2));
    const shifted = barPattern(bands(period, period), period);
    const dragged = barPattern(bands(0, period / 2), period);
    let dShift = 0;
    let dDrag = 0;
    for (let i = 0; i < base.length; i++) {
      dShift = Math.max(dShift, Math.abs(base[i] - shifted[i]));
      dDrag = Math.max(dDrag, Math.abs(base[i] - dragged[i]));
    }
    expect(dShift).toBeLessThan(1e-6);
    expect(dDrag).toBeGreaterThan(0.5);
  });

  it('describe gives a finite vector of the declared length and segment windows of 10 s every 5 s', () => {
    const a = describe(clickTrack(120, 23), SR);
    expect(a.vector.length).toBe(VECTOR_LENGTH);
    expect(Array.from(a.vector).every(Number.isFinite)).toBe(true);
    expect(a.segments.map((s) => s.start_s)).toEqual([0, 5, 10, 13]);
    expect(a.segments.every((s) => s.vector.length === VECTOR_LENGTH)).toBe(true);
    expect(Math.abs(a.tempo - 120)).toBeLessThan(2.4);
  });

  it('silence describes without NaN', () => {
    const a = describe(new Float32Array(SR * 3), SR);
    expect(Array.from(a.vector).every(Number.isFinite)).toBe(true);
    expect(a.segments).toHaveLength(1);
  });

  it('segment starts cover short and long tracks', () => {
    expect(segmentStarts(4)).toEqual([0]);
    expect(segmentStarts(20)).toEqual([0, 5, 10]);
    expect(segmentStarts(21)).toEqual([0, 5, 10]);
    expect(segmentStarts(23)).toEqual([0, 5, 10, 13]);
  });

  it('standardising makes a loud dimension count no more than a quiet one, and blocks follow their weights', () => {
    const blocks = [
      { name: 'a', start: 0, length: 1 },
      { name: 'b', start: 1, length: 1 },
    ];
    const vs = [Float32Array.of(1000, 0.1), Float32Array.of(-1000, -0.1), Float32Array.of(3000, 0.3)];
    const stats = computeStats(vs, 2);
    const f = finalVector(vs[2], stats, blocks, { a: 1, b: 1 });
    expect(Math.abs(f[0])).toBeCloseTo(Math.abs(f[1]), 4);
    const g = finalVector(vs[2], stats, blocks, { a: 1, b: 0 });
    expect(g[1]).toBe(0);
    expect(Math.hypot(...g)).toBeCloseTo(1, 5);
  });

  it('a pooled block shares one spread, so a dimension that hardly varies is not blown up to unit size', () => {
    const blocks = [{ name: 'p', start: 0, length: 2, pooled: true }];
    const vs = [Float32Array.of(1, 0.01), Float32Array.of(-1, -0.01), Float32Array.of(3, 0.03)];
    const stats = computeStats(vs, 2, blocks);
    expect(stats.std[0]).toBeCloseTo(stats.std[1], 6);
    const f = finalVector(vs[2], stats, blocks, { p: 1 });
    expect(Math.abs(f[0])).toBeGreaterThan(50 * Math.abs(f[1]));
    const perDim = computeStats(vs, 2);
    const g = finalVector(vs[2], perDim, blocks, { p: 1 });
    expect(Math.abs(g[0])).toBeCloseTo(Math.abs(g[1]), 4);
  });
});

suite('tempo on awkward input', () => {
  it('never returns a period outside the tempo range, even for noise', () => {
    let seed = 5;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 20; trial++) {
      const env = Float32Array.from({ length: 300 + trial * 37 }, () => rand() ** 4);
      const t = estimateTempo(env, SR / 256, { priorBpm: 60 + trial * 9, priorOctaves: 0.4 });
      expect(t.bpm).toBeGreaterThanOrEqual(39.9);
      expect(t.bpm).toBeLessThanOrEqual(240.1);
    }
  });
});
