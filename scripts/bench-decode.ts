/**
 * Decode + resample timings: `npx tsx scripts/bench-decode.ts [files...]`.
 * Without files it benchmarks generated 30 s and 240 s stereo 44.1 kHz signals (WAV and MP3), kept in
 * /tmp/groovematch-bench. Medians of 5 runs; ffmpeg doing the same job is timed alongside when present.
 */
import { Mp3Encoder } from '@breezystack/lamejs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TARGET_RATE, decodeBytes, decodeMono, resample } from '../src/audio/index.js';

const RUNS = 5;
const DIR = '/tmp/groovematch-bench';

async function median(f: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

/** Something like music for the encoder: kick, hi-hat noise and a two-note pad, different per side. */
function groove(seconds: number, rate: number): [Float32Array, Float32Array] {
  const n = seconds * rate;
  const l = new Float32Array(n);
  const r = new Float32Array(n);
  const beat = Math.round(rate / 2); // 120 BPM
  let seed = 1;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const k = i % beat;
    const kick = 0.6 * Math.sin(2 * Math.PI * 55 * (k / rate)) * Math.exp(-k / (0.08 * rate));
    const h = (i + beat / 2) % beat;
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const hat = 0.15 * (seed / 2 ** 31 - 1) * Math.exp(-h / (0.01 * rate));
    const pad = 0.1 * Math.sin(2 * Math.PI * 220 * t) + 0.1 * Math.sin(2 * Math.PI * 277.2 * t);
    l[i] = kick + hat + pad;
    r[i] = kick + 0.7 * hat + pad * 0.8;
  }
  return [l, r];
}

function wavBytes([l, r]: [Float32Array, Float32Array], rate: number): Uint8Array {
  const data = l.length * 4;
  const b = Buffer.alloc(44 + data);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + data, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(2, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 4, 28);
  b.writeUInt16LE(4, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(data, 40);
  for (let i = 0, at = 44; i < l.length; i++, at += 4) {
    b.writeInt16LE(Math.round(l[i] * 32767), at);
    b.writeInt16LE(Math.round(r[i] * 32767), at + 2);
  }
  return b;
}

function mp3Bytes([l, r]: [Float32Array, Float32Array], rate: number): Uint8Array {
  const enc = new Mp3Encoder(2, rate, 192);
  const i16 = (x: Float32Array) => Int16Array.from(x, (s) => Math.round(s * 32767));
  const [a, b] = [i16(l), i16(r)];
  // lamejs really returns Int8Array chunks; view them as bytes
  const parts: Uint8Array[] = [];
  const push = (c: Uint8Array) => parts.push(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
  for (let i = 0; i < a.length; i += 1152) push(enc.encodeBuffer(a.subarray(i, i + 1152), b.subarray(i, i + 1152)));
  push(enc.flush());
  return Buffer.concat(parts);
}

function testFiles(): string[] {
  mkdirSync(DIR, { recursive: true });
  const files: string[] = [];
  for (const seconds of [30, 240]) {
    const wav = join(DIR, `groove-${seconds}s.wav`);
    const mp3 = join(DIR, `groove-${seconds}s.mp3`);
    if (!existsSync(wav) || !existsSync(mp3)) {
      const signal = groove(seconds, 44100);
      writeFileSync(wav, wavBytes(signal, 44100));
      writeFileSync(mp3, mp3Bytes(signal, 44100));
    }
    files.push(wav, mp3);
  }
  return files;
}

function hasFfmpeg(): boolean {
  return spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
}

async function ffmpegTime(file: string): Promise<number> {
  const args = ['-nostdin', '-v', 'error', '-threads', '1', '-i', file, '-f', 'f32le', '-ac', '1', '-ar', String(TARGET_RATE), '-'];
  return median(() => {
    const r = spawnSync('ffmpeg', args, { stdio: ['ignore', 'ignore', 'ignore'] });
    if (r.status !== 0) throw new Error(`ffmpeg failed on ${file}`);
  });
}

const ms = (t: number) => `${t.toFixed(0)} ms`;
const speed = (seconds: number, t: number) => `${Math.round((seconds * 1000) / t)}×`;

async function main() {
  const files = process.argv.length > 2 ? process.argv.slice(2) : testFiles();
  const ffmpeg = hasFfmpeg();
  const head = ['file', 'audio', 'decode', 'resample', 'total', '× real-time'];
  if (ffmpeg) head.push('ffmpeg', 'ffmpeg × real-time');
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map(() => '---').join('|')}|`);
  for (const file of files) {
    const bytes = new Uint8Array(readFileSync(file));
    const pcm = await decodeMono(bytes); // also warms up the decoder and the filter table
    const seconds = pcm.frames / pcm.sampleRate;
    const decode = await median(() => decodeMono(bytes));
    const resampling = await median(() => resample(pcm.mono, pcm.sampleRate, TARGET_RATE));
    const total = await median(() => decodeBytes(bytes));
    const row = [basename(file), `${seconds.toFixed(1)} s, ${pcm.sampleRate} Hz`, ms(decode), ms(resampling), ms(total), speed(seconds, total)];
    if (ffmpeg) {
      const t = await ffmpegTime(file);
      row.push(ms(t), speed(seconds, t));
    }
    console.log(`| ${row.join(' | ')} |`);
  }
  console.log(`\nMedian of ${RUNS} runs; bytes already in memory. ffmpeg times include process start-up.`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
