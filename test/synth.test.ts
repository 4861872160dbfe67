import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import decode from 'audio-decode';
import FFT from 'fft.js';
import { parseBuffer } from 'music-metadata';
import {
  KITS, STYLES, styleNames, renderGroove, encodeWav, encodeMp3, writeCorpus, planCorpus, mulberry32, CSV_HEADER,
  type RenderOptions,
} from '../src/synth/index.js';
import { splitBars } from '../src/synth/styles.js';

const SR = 22050;
const HOP = 110;
const HOP_S = HOP / SR;

/**
 * Onset strength: positive change of compressed energy over 20 ms windows every 5 ms, for the signal and its
 * first difference (which favours hats and snares over the kick).
 */
function onsetFlux(x: Float32Array, sr: number): Float64Array {
  expect(sr).toBe(SR);
  const win = 4 * HOP;
  const frames = Math.floor(x.length / HOP);
  const a = new Float64Array(frames), b = new Float64Array(frames);
  let meanA = 0, meanB = 0;
  for (let f = 0; f < frames; f++) {
    const end = Math.min(x.length, f * HOP + win / 2);
    for (let i = Math.max(1, f * HOP - win / 2); i < end; i++) {
      a[f] += x[i] * x[i];
      b[f] += (x[i] - x[i - 1]) ** 2;
    }
    meanA += a[f] / frames;
    meanB += b[f] / frames;
  }
  const flux = new Float64Array(frames);
  for (let f = 1; f < frames; f++) {
    const da = Math.log(1 + (10 * a[f]) / meanA) - Math.log(1 + (10 * a[f - 1]) / meanA);
    const db = Math.log(1 + (10 * b[f]) / meanB) - Math.log(1 + (10 * b[f - 1]) / meanB);
    flux[f] = Math.max(0, da) + Math.max(0, db);
  }
  return flux;
}

/** Peaks of the onset strength at least `threshold` × its maximum, at least 30 ms apart. */
function onsets(x: Float32Array, sr: number, threshold = 0.25): number[] {
  const flux = onsetFlux(x, sr);
  let max = 0;
  for (const v of flux) max = Math.max(max, v);
  const out: number[] = [];
  for (let f = 4; f < flux.length - 4; f++) {
    const v = flux[f];
    if (v < threshold * max) continue;
    let isPeak = true;
    for (let k = -4; k <= 4 && isPeak; k++) if (k !== 0 && flux[f + k] > v) isPeak = false;
    if (isPeak && (out.length === 0 || f * HOP_S - out[out.length - 1] > 0.03)) out.push(f * HOP_S);
  }
  return out;
}

function lowPass(x: Float32Array, sr: number, fc: number): Float32Array {
  const a = 1 - Math.exp((-2 * Math.PI * fc) / sr);
  const y = new Float32Array(x.length);
  let s1 = 0, s2 = 0;
  for (let i = 0; i < x.length; i++) {
    s1 += a * (x[i] - s1);
    s2 += a * (s1 - s2);
    y[i] = s2;
  }
  return y;
}

/** Fraction of `a` with a partner in `b` within `tol` seconds, and the mean distance of those partners. */
function matchOnsets(a: number[], b: number[], tol: number): { frac: number; meanDist: number } {
  let hit = 0, dist = 0;
  for (const t of a) {
    let best = Infinity;
    for (const u of b) best = Math.min(best, Math.abs(u - t));
    if (best <= tol) {
      hit++;
      dist += best;
    }
  }
  return { frac: hit / Math.max(1, a.length), meanDist: hit ? dist / hit : Infinity };
}

/** RMS frequency (a spectral-centroid proxy): sqrt(E[x'^2] / E[x^2]) scaled to Hz. */
function rmsFrequency(x: Float32Array, sr: number): number {
  let e = 0, d = 0;
  for (let i = 1; i < x.length; i++) {
    e += x[i] * x[i];
    d += (x[i] - x[i - 1]) ** 2;
  }
  return (sr / (2 * Math.PI)) * Math.sqrt(d / e);
}

/** Long-term spectrum in third-octave bands (60 Hz–10 kHz), in dB around its own mean: the kit's "colour". */
function spectrumShape(x: Float32Array, sr: number): number[] {
  const N = 2048;
  const fft = new FFT(N);
  const out = fft.createComplexArray() as number[];
  const frame = new Array<number>(N);
  const power = new Float64Array(N / 2);
  for (let s = 0; s + N <= x.length; s += N / 2) {
    for (let i = 0; i < N; i++) frame[i] = x[s + i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / N));
    fft.realTransform(out, frame);
    for (let k = 0; k < N / 2; k++) power[k] += out[2 * k] ** 2 + out[2 * k + 1] ** 2;
  }
  const bands: number[] = [];
  for (let lo = 60; lo * 1.26 < 10000; lo *= 1.26) {
    let e = 1e-12;
    for (let k = Math.ceil((lo * N) / sr); k < (lo * 1.26 * N) / sr; k++) e += power[k];
    bands.push(10 * Math.log10(e));
  }
  const mean = bands.reduce((a, b) => a + b) / bands.length;
  return bands.map((v) => v - mean);
}

/** Normalised autocorrelation of the mean-removed onset envelope. */
function autocorr(env: Float64Array, lag: number): number {
  let m = 0;
  for (const v of env) m += v;
  m /= env.length;
  let num = 0, den = 0;
  for (let i = 0; i + lag < env.length; i++) num += (env[i] - m) * (env[i + lag] - m);
  for (const v of env) den += (v - m) ** 2;
  return num / (env.length - lag) / (den / env.length);
}

/**
 * Onset strength in low / mid / high bands folded onto the step grid of one bar: a rhythm fingerprint that tells
 * a kick on every beat from a kick on 1 and 3 even when the hats are identical.
 */
function stepProfile(x: Float32Array, sr: number, bpm: number, stepsPerBeat: number, steps: number): number[] {
  const low = lowPass(x, sr, 150), lp2k = lowPass(x, sr, 2000), lp5k = lowPass(x, sr, 5000);
  const bands = [low, lp2k.map((v, i) => v - low[i]), x.map((v, i) => v - lp5k[i])];
  const stepDur = 60 / bpm / stepsPerBeat;
  const reach = Math.round(0.03 / HOP_S);
  const out: number[] = [];
  for (const band of bands) {
    const flux = onsetFlux(band, sr);
    const profile = new Array<number>(steps).fill(0);
    // The strongest onset near each grid step (±30 ms covers humanisation), not the flux summed over the step,
    // which would mostly measure how long each kit's sounds ring.
    for (let k = 0; k < Math.floor((flux.length * HOP_S) / stepDur); k++) {
      const centre = Math.round((k * stepDur) / HOP_S);
      let peak = 0;
      for (let f = Math.max(0, centre - reach); f <= Math.min(flux.length - 1, centre + reach); f++) peak = Math.max(peak, flux[f]);
      profile[k % steps] += peak;
    }
    const norm = Math.hypot(...profile);
    out.push(...profile.map((v) => v / norm));
  }
  return out;
}

function cosine(a: number[], b: number[]): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

const base: RenderOptions = { style: 'rock', bpm: 120, kit: 'acoustic', seconds: 8, seed: 11, sampleRate: SR };

describe('catalogue of styles and kits', () => {
  it('has at least 14 styles with valid patterns and at least 4 kits', () => {
    expect(styleNames().length).toBeGreaterThanOrEqual(14);
    expect(KITS.length).toBeGreaterThanOrEqual(4);
    for (const name of ['rock', 'funk', 'shuffle', 'reggae-one-drop', 'bossa-nova', 'samba', 'waltz', 'six-eight', 'hip-hop', 'house', 'breakbeat', 'march', 'disco', 'drum-and-bass', 'five-four']) {
      expect(styleNames()).toContain(name);
    }
    for (const s of STYLES) {
      const steps = s.beatsPerBar * s.stepsPerBeat;
      expect(s.tempoRange[0]).toBeLessThan(s.tempoRange[1]);
      expect(s.patterns.length).toBeGreaterThanOrEqual(2);
      for (const p of s.patterns) {
        for (const [voice, str] of Object.entries(p.drums)) expect(() => splitBars(str, steps, `${s.name}/${voice}`)).not.toThrow();
        expect(() => splitBars(p.bass, steps, `${s.name}/bass`)).not.toThrow();
      }
    }
    expect(STYLES.find((s) => s.name === 'waltz')?.meter).toBe('3/4');
    expect(STYLES.find((s) => s.name === 'six-eight')?.meter).toBe('6/8');
    expect(STYLES.find((s) => s.name === 'five-four')?.beatsPerBar).toBe(5);
  });

  it('mulberry32 is deterministic and roughly uniform', () => {
    const a = mulberry32(42), b = mulberry32(42);
    let sum = 0;
    for (let i = 0; i < 10000; i++) {
      const v = a();
      expect(v).toBe(b());
      sum += v;
    }
    expect(sum / 10000).toBeCloseTo(0.5, 1);
  });
});

describe('renderGroove', () => {
  it('is deterministic from the seed and changes with it', () => {
    const a = renderGroove(base), b = renderGroove(base), c = renderGroove({ ...base, seed: 12 });
    expect(Buffer.from(a.samples.buffer).equals(Buffer.from(b.samples.buffer))).toBe(true);
    expect(Buffer.from(a.samples.buffer).equals(Buffer.from(c.samples.buffer))).toBe(false);
    expect(a.label).toEqual({ style: 'rock', bpm: 120, meter: '4/4', kit: 'acoustic', pattern_id: 'rock-1-120-11' });
  });

  it('renders exactly the requested duration at the requested rate', () => {
    for (const [seconds, sampleRate] of [[7.3, 22050], [2, 44100], [1.01, 16000]] as const) {
      const g = renderGroove({ ...base, seconds, sampleRate });
      expect(g.sampleRate).toBe(sampleRate);
      expect(g.samples.length).toBe(Math.round(seconds * sampleRate));
    }
  });

  it('peak-normalises every style and kit to about −1 dBFS with no clipping and no silence', () => {
    STYLES.forEach((s, i) => {
      const kit = KITS[i % KITS.length];
      const g = renderGroove({ style: s.name, bpm: s.tempoRange[0], kit, seconds: 4, seed: i, sampleRate: SR, chords: i % 2 === 0, noiseDb: i % 3 === 0 ? -30 : undefined });
      let peak = 0, energy = 0;
      for (const v of g.samples) {
        peak = Math.max(peak, Math.abs(v));
        energy += v * v;
      }
      expect(peak, `${s.name}/${kit}`).toBeLessThanOrEqual(1);
      expect(peak, `${s.name}/${kit}`).toBeGreaterThan(0.85);
      expect(Math.sqrt(energy / g.samples.length), `${s.name}/${kit}`).toBeGreaterThan(0.03);
    });
  });

  it('plays the same performance on every kit: onsets match, spectra differ', () => {
    // Clear onsets on one kit must exist (at least faintly) on the other: a quiet ghost note may fall under a
    // fixed threshold on one kit only, which says nothing about timing.
    const dists: number[] = [];
    for (const style of ['rock', 'funk', 'samba']) {
      const a = renderGroove({ ...base, style, kit: 'acoustic', seconds: 10 });
      for (const kit of KITS.slice(1)) {
        const b = renderGroove({ ...base, style, kit, seconds: 10 });
        expect(b.label.pattern_id).toBe(a.label.pattern_id);
        const ab = matchOnsets(onsets(a.samples, SR, 0.3), onsets(b.samples, SR, 0.1), 0.02);
        const ba = matchOnsets(onsets(b.samples, SR, 0.3), onsets(a.samples, SR, 0.1), 0.02);
        expect(ab.frac, `${style} acoustic→${kit}`).toBeGreaterThan(0.75);
        expect(ba.frac, `${style} ${kit}→acoustic`).toBeGreaterThan(0.75);
        expect(ab.meanDist, `${style} ${kit}`).toBeLessThan(0.005);
        dists.push(ab.meanDist);
      }
    }
    // Another performance of the same pattern lands on the same grid but with its own humanisation.
    const a = onsets(renderGroove({ ...base, seconds: 10 }).samples, SR, 0.3);
    const other = onsets(renderGroove({ ...base, seconds: 10, seed: 99, patternVariant: 1 }).samples, SR, 0.1);
    const mean = dists.reduce((x, y) => x + y) / dists.length;
    expect(mean).toBeLessThan(0.6 * matchOnsets(a, other, 0.02).meanDist);
    const fa = rmsFrequency(renderGroove({ ...base, kit: 'acoustic' }).samples, SR);
    const fb = rmsFrequency(renderGroove({ ...base, kit: 'electronic808' }).samples, SR);
    expect(Math.abs(fa - fb) / Math.min(fa, fb)).toBeGreaterThan(0.15);
  });

  it('gives every kit its own spectral colour for the same performance', () => {
    for (const style of ['rock', 'samba', 'jazz-swing']) {
      const shapes = KITS.map((kit) => spectrumShape(renderGroove({ ...base, style, kit, bass: false }).samples, SR));
      for (let i = 0; i < KITS.length; i++) {
        for (let j = i + 1; j < KITS.length; j++) {
          const rmsDb = Math.sqrt(shapes[i].reduce((acc, v, k) => acc + (v - shapes[j][k]) ** 2, 0) / shapes[i].length);
          expect(rmsDb, `${style}: ${KITS[i]} vs ${KITS[j]}`).toBeGreaterThan(2.5);
        }
      }
    }
  });

  it('keeps the drum performance when the bass and chords are switched on', () => {
    const dry = renderGroove({ ...base, bass: false, chords: false });
    const full = renderGroove({ ...base, bass: true, chords: true });
    const m = matchOnsets(onsets(dry.samples, SR), onsets(full.samples, SR), 0.01);
    expect(m.frac).toBeGreaterThan(0.75);
  });

  it('repeats each style on its beat grid and at its pattern period for the labelled bpm', () => {
    for (const s of STYLES) {
      const bpm = Math.round((s.tempoRange[0] + s.tempoRange[1]) / 2);
      const steps = s.beatsPerBar * s.stepsPerBeat;
      for (let variant = 0; variant < s.patterns.length; variant++) {
        const p = s.patterns[variant];
        const barCounts = [...Object.values(p.drums), p.bass].map((str) => splitBars(str, steps, s.name).length);
        const barsPerPeriod = barCounts.reduce((acc, n) => (acc * n) / gcd(acc, n), 1);
        const g = renderGroove({ style: s.name, bpm, kit: KITS[variant % KITS.length], seconds: 24, seed: 5, sampleRate: SR, fills: false, patternVariant: variant });
        const env = onsetFlux(g.samples, SR);
        const beat = 60 / bpm / HOP_S;
        const near = (lag: number): number => Math.max(...[-1, 0, 1].map((d) => autocorr(env, Math.round(lag) + d)));
        const period = barsPerPeriod * s.beatsPerBar * beat;
        const halfStep = beat / s.stepsPerBeat / 2;
        let best = 0;
        for (let l = Math.round(0.3 * beat); l <= period + halfStep; l++) best = Math.max(best, autocorr(env, l));
        let onGrid = 0;
        for (let k = 1; k <= barsPerPeriod * s.beatsPerBar; k++) onGrid = Math.max(onGrid, near(k * beat));
        const what = `${s.name} v${variant}`;
        // The strongest self-similarity sits on a whole number of beats, the pattern period is nearly as strong,
        // and half a step away from the period there is none: all three fail if tempo, meter or grid are wrong.
        expect(onGrid, what).toBeGreaterThan(0.85 * best);
        expect(near(period), what).toBeGreaterThan(0.65 * best);
        expect(near(period) - autocorr(env, Math.round(period - halfStep)), what).toBeGreaterThan(0.2);
      }
    }
  });

  it('keeps a style recognisable across tempi and kits, and tells styles apart', () => {
    const profile = (style: string, bpm: number, kit: string, seed: number): number[] => {
      const s = STYLES.find((x) => x.name === style);
      if (!s) throw new Error(style);
      const g = renderGroove({ style, bpm, kit, seconds: 16, seed, sampleRate: SR, fills: false, bass: false, patternVariant: 0 });
      return stepProfile(g.samples, SR, bpm, s.stepsPerBeat, s.beatsPerBar * s.stepsPerBeat);
    };
    const rock = profile('rock', 96, 'acoustic', 1);
    const sameStyle = KITS.slice(1).map((kit, i) => cosine(rock, profile('rock', 136, kit, 2 + i)));
    const otherStyles = ['funk', 'reggaeton', 'house', 'disco', 'hip-hop', 'breakbeat', 'drum-and-bass', 'afrobeat', 'songo']
      .map((style) => cosine(rock, profile(style, 96, 'acoustic', 1)));
    expect(Math.min(...sameStyle)).toBeGreaterThan(0.9);
    expect(Math.min(...sameStyle), `${sameStyle.join(', ')} vs ${otherStyles.join(', ')}`).toBeGreaterThan(Math.max(...otherStyles) + 0.05);
  });

  it('rejects unknown styles, kits and variants', () => {
    expect(() => renderGroove({ ...base, style: 'polka-metal' })).toThrow(/unknown style/);
    expect(() => renderGroove({ ...base, kit: 'kazoo' })).toThrow(/unknown kit/);
    expect(() => renderGroove({ ...base, patternVariant: 7 })).toThrow(/patterns/);
  });
});

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

describe('encoders', () => {
  const g = renderGroove({ ...base, seconds: 3 });

  it('writes a valid PCM WAV header and samples that read back', async () => {
    for (const bits of [16, 24, 32] as const) {
      const wav = encodeWav(g.samples, SR, bits);
      const v = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
      const str = (o: number): string => String.fromCharCode(...wav.subarray(o, o + 4));
      expect(str(0)).toBe('RIFF');
      expect(v.getUint32(4, true)).toBe(wav.length - 8);
      expect(str(8)).toBe('WAVE');
      expect(str(12)).toBe('fmt ');
      expect(v.getUint16(20, true)).toBe(bits === 32 ? 3 : 1);
      expect(v.getUint16(22, true)).toBe(1);
      expect(v.getUint32(24, true)).toBe(SR);
      expect(v.getUint32(28, true)).toBe((SR * bits) / 8);
      expect(v.getUint16(34, true)).toBe(bits);
      expect(str(36)).toBe('data');
      expect(v.getUint32(40, true)).toBe((g.samples.length * bits) / 8);
      if (bits === 16) {
        for (const i of [0, 1000, 40000]) expect(v.getInt16(44 + 2 * i, true) / 32767).toBeCloseTo(g.samples[i], 4);
      }
      const decoded = await decode(wav);
      expect(decoded.sampleRate).toBe(SR);
      expect(decoded.channelData[0].length).toBe(g.samples.length);
      let err = 0;
      for (let i = 0; i < g.samples.length; i += 97) err = Math.max(err, Math.abs(decoded.channelData[0][i] - g.samples[i]));
      expect(err).toBeLessThan(bits === 16 ? 1e-4 : 1e-6);
    }
  });

  it('encodes an MP3 that decodes to the right duration and carries ID3v2.3 tags', async () => {
    const long = renderGroove({ ...base, seconds: 6, sampleRate: 44100 });
    const mp3 = encodeMp3(long.samples, 44100, 128, { title: 'Rock groove ✓', artist: 'groovematch', album: 'synth acoustic', genre: 'rock', bpm: 120 });
    expect(String.fromCharCode(...mp3.subarray(0, 3))).toBe('ID3');
    expect(mp3[3]).toBe(3);
    const decoded = await decode(mp3);
    expect(decoded.sampleRate).toBe(44100);
    const dur = decoded.channelData[0].length / decoded.sampleRate;
    expect(dur).toBeGreaterThan(5.9);
    expect(dur).toBeLessThan(6.2);
    const meta = await parseBuffer(mp3, { mimeType: 'audio/mpeg' });
    expect(meta.common.title).toBe('Rock groove ✓');
    expect(meta.common.artist).toBe('groovematch');
    expect(meta.common.album).toBe('synth acoustic');
    expect(meta.common.genre).toEqual(['rock']);
    expect(meta.common.bpm).toBe(120);
    expect(meta.format.numberOfChannels).toBe(1);
    const plain = encodeMp3(long.samples, 44100, 128);
    expect(String.fromCharCode(...plain.subarray(0, 3))).not.toBe('ID3');
  });
});

describe('writeCorpus', () => {
  it('plans clips evenly over styles, tempi and kits', () => {
    const plan = planCorpus(STYLES.length * 4, 1, styleNames(), KITS, 1);
    for (const s of STYLES) {
      const mine = plan.filter((c) => c.style === s.name);
      expect(mine.length).toBe(4);
      for (const c of mine) {
        expect(c.bpm).toBeGreaterThanOrEqual(s.tempoRange[0]);
        expect(c.bpm).toBeLessThanOrEqual(s.tempoRange[1]);
      }
      expect(new Set(mine.map((c) => c.bpm)).size).toBe(4);
      expect(new Set(mine.map((c) => c.kit)).size).toBe(4);
      expect(new Set(mine.map((c) => c.variant)).size).toBe(2);
    }
  });

  it('writes audio files and labels.csv, with kit pairs sharing a pattern_id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synth-corpus-'));
    try {
      const progress: number[] = [];
      const rows = await writeCorpus({
        outDir: dir, n: 7, seed: 3, seconds: 2, format: 'wav', kitsPerPattern: 2, styles: ['rock', 'waltz', 'samba'],
        onProgress: (done) => progress.push(done),
      });
      expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(rows).toHaveLength(7);
      const lines = readFileSync(join(dir, 'labels.csv'), 'utf8').trim().split('\n');
      expect(lines[0]).toBe(CSV_HEADER);
      expect(lines).toHaveLength(8);
      lines.slice(1).forEach((line, i) => {
        const [path, style, bpm, meter, kit, id] = line.split(',');
        expect(path).toBe(rows[i].path);
        expect(existsSync(join(dir, path))).toBe(true);
        expect({ style, bpm: Number(bpm), meter, kit, pattern_id: id }).toEqual({
          style: rows[i].style, bpm: rows[i].bpm, meter: rows[i].meter, kit: rows[i].kit, pattern_id: rows[i].pattern_id,
        });
      });
      for (let i = 0; i + 1 < 6; i += 2) {
        expect(rows[i].pattern_id).toBe(rows[i + 1].pattern_id);
        expect(rows[i].kit).not.toBe(rows[i + 1].kit);
      }
      expect(new Set(rows.map((r) => r.pattern_id)).size).toBe(4);
      expect(rows.find((r) => r.style === 'waltz')?.meter).toBe('3/4');
      const wav = readFileSync(join(dir, rows[0].path));
      expect(wav.readUInt32LE(40)).toBe(2 * 22050 * 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
