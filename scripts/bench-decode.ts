/**
 * MP3 decoding candidates, all doing the job analysis needs (file bytes → mono 22,050 Hz float32), on the
 * same files in one run: `npx tsx scripts/bench-decode.ts [--n 20] [--runs 3] [--flat-lame DIR] [files...]`.
 * Without files: the real 44.1 kHz stereo 192 kbit/s MP3s of bench-ingest (prepareMp3s, /tmp/gm-bench-mp3).
 * In-process candidates are timed with process.cpuUsage() (every thread of the process), per file the
 * median of --runs, after one untimed warm-up; the figure is the median over files of CPU ms per second
 * of audio. ffmpeg is timed by its own -benchmark (no process start-up), the mpg123 CLI by the shell's
 * `time` (start-up included, ~2 ms). @flat/lame (nan addon with its own old mpg123) is timed when
 * --flat-lame points at an installed copy, e.g. one made by `npm i @flat/lame` in a scratch folder.
 * Then (b) against (a): correlation, timing, and tones through both (pass band, band edge, aliasing).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { TARGET_RATE, decodeBytes, decodeMono, resample } from '../src/audio/index.js';
import { nativeMp3Status, withMp3Decoder, type Mp3Decoder } from '../src/audio/mpg123.js';
import { StreamResampler } from '../src/audio/resample-stream.js';
import { prepareMp3s } from './bench-ingest.js';
import { arg } from './args.js';

const RUNS = Number(arg('runs', '3'));
const named = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const files = named.length > 0 ? named : prepareMp3s(undefined, Number(arg('n', '20')));

interface Candidate {
  name: string;
  /** CPU seconds of one decode (or null when measured by the candidate itself), and its output. */
  run(file: string, bytes: Uint8Array): Promise<{ cpu: number; out?: Float32Array }>;
}

async function inProcess(f: () => Promise<Float32Array>): Promise<{ cpu: number; out: Float32Array }> {
  const c = process.cpuUsage();
  const out = await f();
  const d = process.cpuUsage(c);
  return { cpu: (d.user + d.system) / 1e6, out };
}

/** @flat/lame's Decoder stream: s16 stereo at the source rate, mixed and resampled like audio-decode's. */
function flatLame(dir: string): Candidate {
  const lame = createRequire(import.meta.url)(path.resolve(dir)) as {
    Decoder: new () => NodeJS.ReadWriteStream & { on(e: 'format', f: (x: { sampleRate: number; channels: number }) => void): unknown };
  };
  const decode = (bytes: Uint8Array) =>
    new Promise<Float32Array>((resolve, reject) => {
      const dec = new lame.Decoder();
      let resampler: StreamResampler | null = null;
      const parts: Float32Array[] = [];
      dec.on('format', (f) => {
        if (f.channels !== 2) reject(new Error('@flat/lame candidate: stereo files only'));
        resampler = new StreamResampler(f.sampleRate, TARGET_RATE);
      });
      dec.on('data', (b: Buffer) => {
        const s = new Int16Array(Uint8Array.from(b).buffer); // Buffer pool slices may be oddly aligned
        const mono = new Float32Array(s.length >> 1);
        for (let i = 0; i < mono.length; i++) mono[i] = (s[2 * i] + s[2 * i + 1]) / 65536;
        if (resampler) parts.push(resampler.push(mono));
      });
      dec.on('error', reject);
      dec.on('end', () => resolve(concat([...parts, resampler ? resampler.end() : new Float32Array(0)])));
      dec.end(Buffer.from(bytes));
    });
  return { name: '(c) @flat/lame 1.2.8 (bundled mpg123, s16 stereo) + mono + StreamResampler', run: (_f, b) => inProcess(() => decode(b)) };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const ffmpeg: Candidate = {
  name: '(d) ffmpeg -threads 1 → 22,050 Hz mono f32 (reference)',
  run: async (file) => {
    const args = ['-nostdin', '-benchmark', '-threads', '1', '-i', file, '-f', 'f32le', '-ac', '1', '-ar', '22050', '-'];
    const r = spawnSync('ffmpeg', args, { maxBuffer: 1 << 30 });
    const m = /utime=([\d.]+)s stime=([\d.]+)s/.exec(r.stderr.toString());
    if (r.status !== 0 || !m) throw new Error(`ffmpeg failed on ${file}`);
    return { cpu: Number(m[1]) + Number(m[2]) };
  },
};

/** The Debian mpg123 player; `flags` pick the job. CPU of the child from bash's `time`. */
const mpg123Cli = (name: string, flags: string): Candidate => ({
  name,
  run: async (file) => {
    const r = spawnSync('bash', ['-c', `TIMEFORMAT='%3U %3S'; time mpg123 ${flags} "$0" > /dev/null`, file], { encoding: 'utf8' });
    const m = /([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
    if (r.status !== 0 || !m) throw new Error(`mpg123 failed on ${file}: ${r.stderr}`);
    return { cpu: Number(m[1]) + Number(m[2]) };
  },
});

const has = (cmd: string) => spawnSync('bash', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

function candidates(): Candidate[] {
  const list: Candidate[] = [
    {
      name: '(a) audio-decode 3.12 (WASM mpg123) + mono + StreamResampler',
      run: (_f, b) => inProcess(async () => (await withMp3Decoder('wasm', () => decodeBytes(b))).samples),
    },
  ];
  if (nativeMp3Status().available) {
    list.push(
      {
        name: '(b) groovematch-mpg123 (libmpg123 2:1 synthesis, mono mix) — decodeBytes',
        run: (_f, b) => inProcess(async () => (await withMp3Decoder('native', () => decodeBytes(b))).samples),
      },
      {
        name: "(b') groovematch-mpg123 at 44.1 kHz, mono mix, + our resampler",
        run: (_f, b) =>
          inProcess(async () => {
            const pcm = await withMp3Decoder('native', () => decodeMono(b));
            return resample(pcm.mono, pcm.sampleRate, TARGET_RATE);
          }),
      },
    );
  } else {
    console.log(`(b) skipped: groovematch-mpg123 is not installed (${nativeMp3Status().reason}).\n`);
  }
  const lame = arg('flat-lame', '');
  if (lame) list.push(flatLame(lame));
  if (has('ffmpeg')) list.push(ffmpeg);
  if (has('mpg123')) {
    list.push(
      mpg123Cli("(d) mpg123 CLI -m -2 -e f32 (same job as (b), process start-up included)", '-q -m -2 -e f32 -s'),
      mpg123Cli('(d) mpg123 CLI -s (44.1 kHz stereo s16, no mixing or resampling)', '-q -s'),
    );
  }
  return list;
}

/** Correlation at lag 0 with candidate (a)'s output (the 2:1 path lags it by 1/44,100 s on LAME-tagged files). */
function correlation(a: Float32Array, b: Float32Array): number {
  let s = 0;
  let sa = 0;
  let sb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    s += a[i] * b[i];
    sa += a[i] * a[i];
    sb += b[i] * b[i];
  }
  return s / Math.sqrt(sa * sb);
}

const median = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)];

/**
 * How (b) differs from (a), per file: correlation as is, with (a) one source sample (1/44,100 s) later,
 * which is (b)'s lag when a LAME tag's delay + 529 is odd, and below 8 kHz after that shift.
 */
async function agreement(): Promise<void> {
  const [asIs, shifted, low, sameLength] = [[] as number[], [] as number[], [] as number[], [0]];
  for (const file of files) {
    const bytes = new Uint8Array(readFileSync(file));
    const a = (await withMp3Decoder('wasm', () => decodeBytes(bytes))).samples;
    const full = await withMp3Decoder('wasm', () => decodeMono(bytes));
    const late = new Float32Array(full.mono.length);
    late.set(full.mono.subarray(0, late.length - 1), 1);
    const a1 = resample(late, full.sampleRate, TARGET_RATE);
    const b = (await withMp3Decoder('native', () => decodeBytes(bytes))).samples;
    if (a.length === b.length) sameLength[0]++;
    asIs.push(correlation(a, b));
    shifted.push(correlation(a1, b));
    low.push(correlation(resample(a1, TARGET_RATE, 16000), resample(b, TARGET_RATE, 16000)));
  }
  const range = (x: number[]) => `${median(x).toFixed(5)} (${Math.min(...x).toFixed(5)}-${Math.max(...x).toFixed(5)})`;
  console.log(`\n(b) against (a) on the same files, median (range): correlation ${range(asIs)}; with (a) 1/44,100 s later ` +
    `${range(shifted)}; the same below 8 kHz ${range(low)}; equal length ${sameLength[0]} of ${files.length}.`);
}

/** Level of a tone through (a) and (b), lamejs-encoded at 192 kbit/s: pass band, edge and aliasing. */
async function tones(): Promise<void> {
  const { Mp3Encoder } = await import('@breezystack/lamejs');
  const head = ['source', ...[1000, 9000, 10000, 10500, 11000, 11500, 12000, 15000].map((f) => `${f / 1000} kHz`)];
  console.log(`\nTone level in dB, 2 s stereo sine of amplitude 0.5, MP3 at 192 kbit/s (lamejs), middle second:\n\n| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
  for (const rate of [44100, 48000]) {
    const rows: Record<Mp3Decoder, string[]> = { wasm: [], native: [] };
    for (const f of head.slice(1).map((h) => Number(h.split(' ')[0]) * 1000)) {
      const x = Int16Array.from({ length: 2 * rate }, (_, i) => Math.round(16384 * Math.sin((2 * Math.PI * f * i) / rate)));
      const enc = new Mp3Encoder(2, rate, 192);
      const parts = [enc.encodeBuffer(x, x), enc.flush()].map((c) => new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
      const bytes = new Uint8Array(Buffer.concat(parts));
      for (const d of ['wasm', 'native'] as const) {
        const y = (await withMp3Decoder(d, () => decodeBytes(bytes))).samples.subarray(TARGET_RATE / 2, -TARGET_RATE / 2);
        const rms = Math.sqrt(y.reduce((s, v) => s + v * v, 0) / y.length);
        rows[d].push((20 * Math.log10(rms / (0.5 / Math.SQRT2))).toFixed(1));
      }
    }
    console.log(`| ${rate} Hz, (a) WASM + StreamResampler | ${rows.wasm.join(' | ')} |`);
    console.log(`| ${rate} Hz, (b) native${rate === 48000 ? ' 2:1 + StreamResampler' : ' 2:1'} | ${rows.native.join(' | ')} |`);
  }
}

async function main(): Promise<void> {
  const list = candidates();
  const perFile = list.map(() => [] as number[]);
  const corr = list.map(() => [] as number[]);
  const cpu = list.map(() => 0);
  let audio = 0;
  for (const [fi, file] of files.entries()) {
    const bytes = new Uint8Array(readFileSync(file));
    const seconds = (await withMp3Decoder('wasm', () => decodeBytes(bytes))).duration_s;
    audio += seconds;
    let reference: Float32Array | undefined;
    for (const [ci, c] of list.entries()) {
      if (fi === 0) await c.run(file, bytes); // warm-up: JIT, WASM compile, page cache
      const runs: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const { cpu: t, out } = await c.run(file, bytes);
        runs.push(t);
        if (r === 0 && out) {
          if (ci === 0) reference = out;
          else if (reference) corr[ci].push(correlation(reference, out));
        }
      }
      perFile[ci].push((1000 * median(runs)) / seconds);
      cpu[ci] += median(runs);
    }
  }
  const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
  console.log(`${files.length} files, ${(audio / 60).toFixed(1)} min of audio; ${os.cpus()[0]?.model}, load ${load}; median of ${RUNS} runs per file.\n`);
  console.log('| candidate | ms CPU per audio-s (median over files) | × real time | range over files | all files: × real time | corr. with (a) |');
  console.log('|---|---|---|---|---|---|');
  for (const [ci, c] of list.entries()) {
    const m = median(perFile[ci]);
    const lo = Math.min(...perFile[ci]);
    const hi = Math.max(...perFile[ci]);
    const r = corr[ci].length ? median(corr[ci]).toFixed(4) : ci === 0 ? '1' : '-';
    console.log(`| ${c.name} | ${m.toFixed(2)} | ${Math.round(1000 / m)}× | ${lo.toFixed(2)}-${hi.toFixed(2)} | ${Math.round(audio / cpu[ci])}× | ${r} |`);
  }
  if (nativeMp3Status().available) {
    await agreement();
    await tones();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
