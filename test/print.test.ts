import { describe, expect, it } from 'vitest';
import { melSpectrogram } from '../src/features/frames.js';
import { blobToPrint, printToBlob } from '../src/catalog/blob.js';
import { matchPrints, printFrames, slicePrint, spectrogramPrint } from '../src/features/print.js';
import { renderGroove } from '../src/synth/index.js';
import { rng } from './helpers/random.js';

const SR = 22050;

/** Tone bursts at random times and pitches: no period, so only the true offset lines it up with itself. */
function bursts(seconds: number, seed: number): Float32Array {
  const rand = rng(seed);
  const x = new Float32Array(SR * seconds);
  for (let t = 0; t < seconds; t += 0.1 + rand() * 0.4) {
    const i = Math.round(t * SR);
    const f = 100 * 2 ** (rand() * 6);
    for (let j = 0; j < 2000 && i + j < x.length; j++) x[i + j] += Math.sin((2 * Math.PI * f * j) / SR) * Math.exp(-j / 500);
  }
  return x;
}

const printOf = (x: Float32Array) => spectrogramPrint(melSpectrogram(x, SR));

/** 20 s of x from `offset`, quieter, with noise, as an upload of it might be. */
function degradedExcerpt(x: Float32Array, offset: number, seed: number): Float32Array {
  const rand = rng(seed);
  const y = x.slice(Math.round(offset * SR), Math.round((offset + 20) * SR));
  for (let j = 0; j < y.length; j++) y[j] = y[j] * 0.5 + (rand() * 2 - 1) * 0.01;
  return y;
}

describe('prints', () => {
  const track = bursts(60, 1);
  const full = printOf(track);

  it('coarsen the spectrogram to 8 bands at a quarter of its frame rate', () => {
    expect(full.bands).toBe(8);
    expect(full.fps).toBeCloseTo(SR / 256 / 4, 6);
    expect(printFrames(full)).toBe(Math.floor(melSpectrogram(track, SR).frames / 4));
  });

  it('find a degraded excerpt at its offset, to a frame, from a guess 4 s off', () => {
    const m = matchPrints(printOf(degradedExcerpt(track, 23.4, 2)), full, 27.4, 5);
    expect(m.correlation).toBeGreaterThan(0.8);
    expect(Math.abs(m.offset_s - 23.4)).toBeLessThan(1.5 / full.fps);
  });

  it('do not match other audio, nor the right audio outside the search range', () => {
    const other = matchPrints(printOf(bursts(20, 3)), full, 23.4, 5);
    expect(other.correlation).toBeLessThan(0.3);
    const far = matchPrints(printOf(degradedExcerpt(track, 23.4, 2)), full, 40, 5);
    expect(far.correlation).toBeLessThan(0.3);
  });

  it('tell a groove from another groove at its tempo on the same kit, which window vectors cannot', () => {
    const house = renderGroove({ style: 'house', bpm: 124, kit: 'vintage', seconds: 40, seed: 1, sampleRate: SR }).samples;
    const disco = renderGroove({ style: 'disco', bpm: 124, kit: 'vintage', seconds: 20, seed: 2, sampleRate: SR }).samples;
    const self = matchPrints(printOf(degradedExcerpt(house, 10, 4)), printOf(house), 10, 5);
    const rival = matchPrints(printOf(disco), printOf(house), 10, 5);
    expect(self.correlation).toBeGreaterThan(0.85);
    expect(self.correlation - rival.correlation).toBeGreaterThan(0.2);
  });

  it('slice to a span that still lines up where the whole did', () => {
    const ex = printOf(degradedExcerpt(track, 23.4, 2));
    const from = 100;
    const part = slicePrint(ex, from, from + 200);
    expect(printFrames(part)).toBe(200);
    expect(part.data[200 + 7]).toBe(ex.data[printFrames(ex) + from + 7]);
    const m = matchPrints(part, full, 23.4 + from / full.fps, 2);
    expect(Math.abs(m.offset_s - from / full.fps - 23.4)).toBeLessThan(1.5 / full.fps);
    expect(printFrames(slicePrint(ex, -5, 1e9))).toBe(printFrames(ex));
  });

  it('survive the stored form', () => {
    const back = blobToPrint(printToBlob(full))!;
    expect(back.bands).toBe(full.bands);
    expect(back.fps).toBeCloseTo(full.fps, 2);
    expect(Buffer.from(back.data).equals(Buffer.from(full.data))).toBe(true);
    expect(blobToPrint(new Uint8Array(3))).toBeNull();
  });
});
