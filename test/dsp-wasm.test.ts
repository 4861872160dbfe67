import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe as suite, expect, it } from 'vitest';
import { lagProducts } from '../src/features/acf.js';
import { dsp, useDsp } from '../src/features/dsp.js';
import { melSpectrogram } from '../src/features/frames.js';
import { highPass, onsetEnvelopes, sliceEnvelopes, whitenedEnvelopes } from '../src/features/onset.js';
import { mfcc } from '../src/features/timbre.js';
import { VECTOR_LENGTH } from '../src/features/vector.js';
import { clusterCount, kmeans } from '../src/recommend/cluster.js';
import { renderGroove } from '../src/synth/index.js';

const SR = 22050;

function hasClang(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v clang && command -v wasm-ld'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function both<T>(f: () => T): [T, T] {
  const was = useDsp(false);
  try {
    const js = f();
    useDsp(true);
    return [js, f()];
  } finally {
    useDsp(was);
  }
}

suite('WebAssembly analysis kernels', () => {
  it('instantiate here', () => {
    expect(dsp()).not.toBeNull();
  });

  it('give the JavaScript mel spectrogram and MFCCs bit for bit (both STFT settings, a partial last block)', () => {
    const x = renderGroove({ style: 'funk', bpm: 101, kit: 'acoustic', seconds: 7.3, seed: 5, sampleRate: SR }).samples;
    for (const cfg of [undefined, { nFft: 2048, hop: 512, nMels: 128, fMin: 0 }]) {
      const [js, wasm] = both(() => melSpectrogram(x, SR, cfg));
      expect(wasm.frames).toBe(js.frames);
      expect(Buffer.from(wasm.db.buffer, wasm.db.byteOffset, wasm.db.byteLength).equals(Buffer.from(js.db.buffer, js.db.byteOffset, js.db.byteLength))).toBe(true);
      const [a, b] = both(() => mfcc(js, cfg ? 40 : 20));
      expect(Array.from(b)).toEqual(Array.from(a));
    }
  });

  it('give the JavaScript onset and whitened envelopes bit for bit (more rows than one block)', () => {
    const x = renderGroove({ style: 'samba', bpm: 97, kit: 'bright', seconds: 52, seed: 3, sampleRate: SR }).samples;
    const spec = melSpectrogram(x, SR);
    expect(spec.frames).toBeGreaterThan(4096);
    for (const f of [onsetEnvelopes, whitenedEnvelopes]) {
      const [js, wasm] = both(() => f(spec));
      expect(wasm.bands.length).toBe(js.bands.length);
      js.bands.forEach((b, i) => expect(Array.from(wasm.bands[i])).toEqual(Array.from(b)));
    }
  });

  it('give fft.js lag products to float64 rounding (window and whole-track sizes)', () => {
    let seed = 1;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (const [n, maxLag] of [[861, 517], [2583, 517], [20000, 520], [1000, 999]]) {
      const x = Float32Array.from({ length: n }, (_, i) => rnd() * (i % 7 === 0 ? 1 : 0.1));
      const [js, wasm] = both(() => lagProducts(x, maxLag));
      let worst = 0;
      for (let lag = 0; lag <= maxLag; lag++) worst = Math.max(worst, Math.abs(js[lag] - wasm[lag]) / js[0]);
      expect(worst).toBeLessThan(1e-14);
    }
  });

  it('give the JavaScript high-pass and balanced sums bit for bit (window slices and whole tracks)', () => {
    const x = renderGroove({ style: 'rock', bpm: 120, kit: 'vintage', seconds: 30, seed: 9, sampleRate: SR }).samples;
    const env = whitenedEnvelopes(melSpectrogram(x, SR));
    for (const [from, to] of [[0, env.bands[0].length], [100, 961], [5, 70]]) {
      const [js, wasm] = both(() => sliceEnvelopes(env, from, to));
      expect(Array.from(wasm.bands[wasm.bands.length - 1])).toEqual(Array.from(js.bands[js.bands.length - 1]));
      for (const b of js.bands) {
        const [h1, h2] = both(() => highPass(b, 86));
        expect(Array.from(h2)).toEqual(Array.from(h1));
      }
    }
  });

  it('give the JavaScript k-means clusters (segment-sized vectors and small ones)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
    for (const [n, dim] of [[63, VECTOR_LENGTH], [10, 5], [200, 40]]) {
      const vs = Array.from({ length: n }, () => Float32Array.from({ length: dim }, rnd));
      const [js, wasm] = both(() => kmeans(vs, clusterCount(n)));
      expect(new Set(js).size).toBeGreaterThan(1);
      expect(wasm).toEqual(js);
    }
  });

  it.skipIf(!hasClang())('dsp-wasm.ts is the build of dsp.c (clang and wasm-ld installed)', () => {
    const script = path.join(import.meta.dirname, '..', 'scripts', 'build-dsp-wasm.sh');
    expect(execFileSync('sh', [script, '--check'], { encoding: 'utf8' })).toContain('matches');
  });
});
