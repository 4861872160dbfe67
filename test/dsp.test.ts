import { describe, expect, it } from 'vitest';
import { lagProducts } from '../src/features/acf.js';
import { PowerSpectrum } from '../src/features/fft.js';
import { MelStream, melSpectrogram } from '../src/features/frames.js';
import { resample } from '../src/audio/resample.js';
import { StreamResampler } from '../src/audio/resample-stream.js';

function directLagProducts(x: Float32Array, maxLag: number): number[] {
  const out: number[] = [];
  for (let lag = 0; lag <= maxLag; lag++) {
    let s = 0;
    for (let i = 0; i + lag < x.length; i++) s += x[i] * x[i + lag];
    out.push(s);
  }
  return out;
}

function noise(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31 - 0.5;
  });
}

describe('lagProducts', () => {
  // Short lags take the direct sum, long ones the FFT path; both must equal the definition.
  for (const [n, maxLag] of [[50, 3], [861, 40], [861, 516], [3000, 2999]] as const) {
    it(`equals the direct sum for n=${n}, maxLag=${maxLag}`, () => {
      const x = noise(n, n + maxLag);
      const want = directLagProducts(x, maxLag);
      const got = lagProducts(x, maxLag);
      expect(got.length).toBe(maxLag + 1);
      for (let lag = 0; lag <= maxLag; lag++) expect(Math.abs(got[lag] - want[lag])).toBeLessThan(1e-9 * want[0]);
    });
  }

  it('has no wrap-around: a single pulse correlates with nothing at any non-zero lag', () => {
    const x = new Float32Array(1000);
    x[999] = 1;
    x[0] = 1;
    const r = lagProducts(x, 998);
    expect(r[0]).toBeCloseTo(2, 9);
    for (let lag = 1; lag <= 998; lag++) expect(Math.abs(r[lag])).toBeLessThan(1e-9);
  });
});

describe('PowerSpectrum', () => {
  it('puts a bin-centred sine in its bin with the DFT power', () => {
    const n = 1024;
    const fft = new PowerSpectrum(n);
    const frame = fft.input();
    for (let i = 0; i < n; i++) frame[i] = Math.cos((2 * Math.PI * 37 * i) / n);
    const power = new Float64Array(n / 2 + 1);
    fft.power(power);
    // A unit cosine on bin k has |X[k]| = n/2 and nothing elsewhere.
    expect(power[37]).toBeCloseTo((n / 2) ** 2, -2);
    let rest = 0;
    for (let k = 0; k <= n / 2; k++) if (k !== 37) rest = Math.max(rest, power[k]);
    expect(rest).toBeLessThan(1e-6 * power[37]);
  });

  it('matches a direct DFT on noise, including DC and Nyquist', () => {
    const n = 64;
    const fft = new PowerSpectrum(n);
    const x = noise(n, 7);
    fft.input().set(x);
    const power = new Float64Array(n / 2 + 1);
    fft.power(power);
    for (let k = 0; k <= n / 2; k++) {
      let re = 0;
      let im = 0;
      for (let i = 0; i < n; i++) {
        re += x[i] * Math.cos((2 * Math.PI * k * i) / n);
        im -= x[i] * Math.sin((2 * Math.PI * k * i) / n);
      }
      expect(power[k]).toBeCloseTo(re * re + im * im, 3);
    }
  });

  it('refuses sizes it cannot transform', () => {
    expect(() => new PowerSpectrum(1000)).toThrow(RangeError);
    expect(() => new PowerSpectrum(16)).toThrow(RangeError);
  });
});

describe('StreamResampler', () => {
  // Chunks of awkward, varying sizes must give exactly the samples of one whole-signal resample.
  for (const [from, to] of [[44100, 22050], [48000, 22050], [8000, 22050], [44056, 22050]] as const) {
    it(`matches resample() bit for bit, ${from} → ${to} Hz`, () => {
      const n = 300_001;
      const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.013) + (i % 977 === 0 ? 1 : 0));
      const whole = resample(x, from, to);
      const s = new StreamResampler(from, to);
      const parts: Float32Array[] = [];
      for (let at = 0, k = 1; at < n; k++) {
        const len = Math.min(n - at, ((k * 7919) % 60_000) + 1);
        parts.push(s.push(x.slice(at, at + len)));
        at += len;
      }
      parts.push(s.end());
      const got = Float32Array.from(parts.flatMap((p) => Array.from(p)));
      expect(got.length).toBe(whole.length);
      expect(got).toEqual(whole);
      if (from !== 44056) expect(parts.filter((p) => p.length > 0).length).toBeGreaterThan(2);
    });
  }
});

describe('MelStream', () => {
  it('gives the frames of melSpectrogram on the joined signal, whatever the chunking', () => {
    const x = noise(22050 * 3 + 77, 3);
    const whole = melSpectrogram(x, 22050);
    for (const size of [1, 255, 256, 1000, 50_000]) {
      const s = new MelStream(22050);
      // Chunk sizes vary around `size` so frame boundaries fall everywhere in a chunk.
      for (let at = 0, k = 0; at < x.length; k++) {
        const len = Math.max(1, size + ((k * 37) % 11) - 5);
        s.push(x.subarray(at, at + len));
        at += len;
      }
      const got = s.end();
      expect(got.frames).toBe(whole.frames);
      expect(got.db).toEqual(whole.db);
    }
  });

  it('gives one frame of silence for no input', () => {
    const s = new MelStream(22050).end();
    expect(s.frames).toBe(1);
    expect(s.db.every((v) => v === s.db[0])).toBe(true);
  });
});
