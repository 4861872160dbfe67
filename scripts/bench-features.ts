/**
 * Feature-extraction hot paths, `npx tsx scripts/bench-features.ts [file]`: medians of 7 runs on 30 s of
 * audio: the file's first 30 s decoded to 22,050 Hz mono; without a file, the first MP3 that
 * bench-ingest.ts prepares from the Debian game music (converted once into /tmp/gm-bench-mp3).
 *   STFT power spectra (1024-point, hop 256): fft.js against PFFFT in WebAssembly (what frames.ts uses);
 *   MFCCs: meyda 5 frame by frame against ours (mel spectrogram + DCT over the same frames);
 *   autocorrelation of an onset envelope to 4 beats at 40 BPM: direct sum against lagProducts (FFT);
 *   the whole describe() of the upload as the server runs it (track + windows every queryHop seconds).
 */
import FFT from 'fft.js';
import meyda from 'meyda';
import { readFileSync } from 'node:fs';
import { decodeBytes } from '../src/audio/index.js';
import { lagProducts } from '../src/features/acf.js';
import { PowerSpectrum } from '../src/features/fft.js';
import { melSpectrogram } from '../src/features/frames.js';
import { mfcc } from '../src/features/timbre.js';
import { describe, queryHop } from '../src/features/vector.js';
import { prepareMp3s } from './bench-ingest.js';

/** meyda's CommonJS build hands over its settings object as the default export; its types describe the ESM build. */
interface MeydaSettings {
  bufferSize: number;
  sampleRate: number;
  melBands: number;
  numberOfMFCCCoefficients: number;
  windowingFunction: string;
  extract(feature: string, frame: Float32Array): unknown;
}
const Meyda = meyda as unknown as MeydaSettings;

const RUNS = 7;
const SR = 22050;
const N = 1024;
const HOP = 256;

function median(f: () => unknown): number {
  f();
  const t: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[RUNS >> 1];
}

const file = process.argv[2] ?? prepareMp3s()[0];
const x = (await decodeBytes(readFileSync(file), { maxSeconds: 30 })).samples;
const frames = Math.floor((x.length - N) / HOP) + 1;
const win = Float64Array.from({ length: N }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / N));
const power = new Float64Array(N / 2 + 1);

const fftjs = new FFT(N);
const buf = new Float64Array(N);
const spec = new Float64Array(2 * N);
const tFftjs = median(() => {
  for (let t = 0; t < frames; t++) {
    for (let i = 0; i < N; i++) buf[i] = x[t * HOP + i] * win[i];
    fftjs.realTransform(spec, buf);
    for (let k = 0; k <= N / 2; k++) power[k] = spec[2 * k] ** 2 + spec[2 * k + 1] ** 2;
  }
});
const pf = new PowerSpectrum(N);
const tPffft = median(() => {
  for (let t = 0; t < frames; t++) {
    const f = pf.input();
    for (let i = 0; i < N; i++) f[i] = x[t * HOP + i] * win[i];
    pf.power(power);
  }
});

Meyda.bufferSize = N;
Meyda.sampleRate = SR;
Meyda.melBands = 64;
Meyda.numberOfMFCCCoefficients = 20;
Meyda.windowingFunction = 'hanning';
const tMeyda = median(() => {
  for (let t = 0; t < frames; t++) Meyda.extract('mfcc', x.subarray(t * HOP, t * HOP + N));
});
const tOurs = median(() => mfcc(melSpectrogram(x, SR)));

const env = Float32Array.from({ length: Math.round((x.length / SR) * (SR / HOP)) }, (_, i) => (i % 43 === 0 ? 1 : 0.1 * Math.random()));
const maxLag = Math.ceil((SR / HOP) * 6);
const tDirect = median(() => {
  const out = new Float64Array(maxLag + 1);
  for (let lag = 0; lag <= maxLag; lag++) {
    let s = 0;
    for (let i = 0; i + lag < env.length; i++) s += env[i] * env[i + lag];
    out[lag] = s;
  }
});
const tLag = median(() => lagProducts(env, maxLag));
const hop = queryHop(x.length / SR);
const windows = describe(x, SR, { hop, alt: true }).segments.length;
const tDescribe = median(() => describe(x, SR, { hop, alt: true }));

const row = (what: string, a: string, ta: number, b: string, tb: number) =>
  `| ${what} | ${a} | ${ta.toFixed(1)} | ${b} | ${tb.toFixed(1)} | ${(ta / tb).toFixed(1)}× |`;
console.log(`30 s of audio (${file}), ${frames} frames; medians of ${RUNS} runs, ms\n`);
console.log('| step | before / reference | ms | ours | ms | speed-up |');
console.log('|---|---|---|---|---|---|');
console.log(row('STFT power spectra', 'fft.js', tFftjs, 'PFFFT (WASM SIMD)', tPffft));
console.log(row('20 MFCCs per frame', 'meyda 5 (extract per frame)', tMeyda, 'mel + DCT (timbre.ts)', tOurs));
console.log(row(`envelope autocorrelation, ${maxLag} lags`, 'direct sum', tDirect, 'lagProducts (FFT)', tLag));
console.log(`\ndescribe() as for an upload (track + ${windows} windows, hop ${hop} s): ${tDescribe.toFixed(1)} ms`);
