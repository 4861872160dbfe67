/**
 * Ingest speed on one core: `npx tsx scripts/bench-ingest.ts [--dir D] [--n 20]`.
 * Same real 44.1 kHz MP3s through (1) groovematch's analyseFile in-process (decode + whole-track and
 * segment features), (2) the origin pipeline (librosa.load at 22,050 Hz + 40-MFCC mean, in python3,
 * timed inside the interpreter; BLAS/numba held to one thread), (3) decoding alone: decodeFile through
 * each MP3 decoder (native libmpg123 when installed, audio-decode's WASM) and the decoder-only limit
 * (ffmpeg, one thread, to 22,050 Hz mono f32). The MP3s are made once from the Debian game-music packages into D
 * (default /tmp/gm-bench-mp3): the first n/2 tracks of at least 60 s from each package, by name.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { decodeFile } from '../src/audio/decode.js';
import { mp3Decoder, nativeMp3Status, withMp3Decoder, type Mp3Decoder } from '../src/audio/mpg123.js';
import { analyseFile } from '../src/features/analyse.js';
import { arg } from './args.js';

const DIR = arg('dir', '/tmp/gm-bench-mp3');
const N = Number(arg('n', '20'));
const SOURCES = ['/usr/share/games/wesnoth/1.16/data/core/music', '/usr/share/games/supertuxkart/data/music'];
const ORIGIN = path.join(import.meta.dirname, 'origin_pipeline.py');
/** One thread for numpy/BLAS/numba, so the origin runs on one core like the rest. */
export const ONE_THREAD = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1', NUMBA_NUM_THREADS: '1' };

function duration(file: string): number {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return Number(out.toString().trim());
}

/** Converts the chosen oggs to 192 kbit/s 44.1 kHz stereo MP3 unless they are there already. */
export function prepareMp3s(dir = DIR, n = N): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const have = fs.readdirSync(dir).filter((f) => f.endsWith('.mp3')).sort();
  if (have.length >= n) return have.slice(0, n).map((f) => path.join(dir, f));
  const picked: string[] = [];
  for (const src of SOURCES) {
    const oggs = fs.readdirSync(src).filter((f) => f.endsWith('.ogg')).sort().map((f) => path.join(src, f));
    picked.push(...oggs.filter((f) => duration(f) >= 60).slice(0, Math.ceil(n / SOURCES.length)));
  }
  return picked.slice(0, n).map((ogg) => {
    const out = path.join(dir, path.basename(ogg, '.ogg') + '.mp3');
    if (!fs.existsSync(out)) {
      execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', ogg, '-ar', '44100', '-ac', '2', '-c:a', 'libmp3lame', '-b:a', '192k', out]);
    }
    return out;
  });
}

export interface Timing {
  audio: number;
  wall: number;
  cpu: number;
}

/** analyseFile as `index` runs it (decoded audio streamed into the spectrogram, catalogue windows). */
async function analyse(f: string): Promise<{ duration: number }> {
  return { duration: (await analyseFile(f)).duration_s };
}

/** Files our analysis rejects are left out of every pipeline (and listed), so all time the same audio. */
async function ours(files: string[], failed: string[]): Promise<Timing & { ok: string[] }> {
  const t = { audio: 0, wall: 0, cpu: 0, ok: [] as string[] };
  let warm = false;
  for (const f of files) {
    try {
      if (!warm) await analyse(f); // warm-up: JIT, WASM compile
      warm = true;
      const c = process.cpuUsage();
      const w = performance.now();
      const a = await analyse(f);
      t.wall += (performance.now() - w) / 1000;
      const d = process.cpuUsage(c);
      t.cpu += (d.user + d.system) / 1e6;
      t.audio += a.duration;
      t.ok.push(f);
    } catch (err) {
      failed.push(`${path.basename(f)}: ${(err as Error).message}`);
    }
  }
  return t;
}

/** decodeFile alone with MP3s forced through one decoder, CPU and wall, after one warm-up file. */
async function decodeOnly(files: string[], decoder: Mp3Decoder): Promise<Timing> {
  const t = { audio: 0, wall: 0, cpu: 0 };
  await withMp3Decoder(decoder, async () => {
    await decodeFile(files[0]);
    for (const f of files) {
      const c = process.cpuUsage();
      const w = performance.now();
      const a = await decodeFile(f);
      t.wall += (performance.now() - w) / 1000;
      const d = process.cpuUsage(c);
      t.cpu += (d.user + d.system) / 1e6;
      t.audio += a.duration_s;
    }
  });
  return t;
}

/** Runs origin_pipeline.py; per-file timings come from inside python, start-up separately. */
export function origin(files: string[]): Timing & { load: number; startup: number; processWall: number; version: string } {
  const w = performance.now();
  const r = spawnSync('python3', [ORIGIN, ...files], { env: { ...process.env, ...ONE_THREAD }, encoding: 'utf8', maxBuffer: 1 << 24 });
  const processWall = (performance.now() - w) / 1000;
  if (r.status !== 0) throw new Error(`origin pipeline failed: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, number | string>);
  const t = { audio: 0, wall: 0, cpu: 0, load: 0, startup: Number(lines[0].import_s), processWall, version: String(lines[0].version) };
  for (const l of lines.slice(1)) {
    t.audio += Number(l.audio_s);
    t.wall += Number(l.wall_s);
    t.cpu += Number(l.cpu_s);
    t.load += Number(l.load_s);
  }
  return t;
}

/** ffmpeg's own -benchmark figures (decode + resample + mix, no process start-up). */
function ffmpeg(files: string[]): Timing & { processWall: number } {
  const t = { audio: 0, wall: 0, cpu: 0, processWall: 0 };
  for (const f of files) {
    const w = performance.now();
    const r = spawnSync('ffmpeg', ['-nostdin', '-benchmark', '-threads', '1', '-i', f, '-f', 'f32le', '-ac', '1', '-ar', '22050', '-'], {
      encoding: 'buffer', maxBuffer: 1 << 30,
    });
    t.processWall += (performance.now() - w) / 1000;
    const m = /utime=([\d.]+)s stime=([\d.]+)s rtime=([\d.]+)s/.exec(r.stderr.toString());
    if (r.status !== 0 || !m) throw new Error(`ffmpeg failed on ${f}`);
    t.cpu += Number(m[1]) + Number(m[2]);
    t.wall += Number(m[3]);
    t.audio += r.stdout.length / 4 / 22050;
  }
  return t;
}

async function main(): Promise<void> {
  const failed: string[] = [];
  const gm = await ours(prepareMp3s(), failed);
  const files = gm.ok;
  const og = origin(files);
  const ff = ffmpeg(files);
  const nat = nativeMp3Status().available ? await decodeOnly(files, 'native') : null;
  const wasm = await decodeOnly(files, 'wasm');
  const x = (t: Timing) => t.audio / t.wall;
  const xc = (t: Timing) => t.audio / t.cpu;
  console.log(`${files.length} MP3s (44.1 kHz stereo, 192 kbit/s) from ${DIR}, ${(gm.audio / 60).toFixed(1)} min of audio; one core.\n`);
  console.log('| pipeline | wall s | × real-time | CPU s | × real-time per CPU-s | speed vs origin | share of decoder limit |');
  console.log('|---|---|---|---|---|---|---|');
  const row = (name: string, t: Timing) =>
    console.log(`| ${name} | ${t.wall.toFixed(2)} | ${x(t).toFixed(0)}× | ${t.cpu ? t.cpu.toFixed(2) : '-'} | ${t.cpu ? xc(t).toFixed(0) + '×' : '-'} | ` +
      `${(x(t) / x(og)).toFixed(2)}× | ${((100 * x(t)) / x(ff)).toFixed(1)} % |`);
  row('groovematch analyseFile (decode + track and segment features)', gm);
  row(`origin: librosa ${og.version} load 22,050 Hz + 40-MFCC mean`, og);
  row('  of which librosa.load (decode + resample to 22,050 Hz)', { audio: og.audio, wall: og.load, cpu: 0 });
  if (nat) row('decoder only: decodeFile, native libmpg123 (2:1 synthesis, mono mix)', nat);
  else console.log('| decoder only: decodeFile, native libmpg123 | not installed | | | | | |');
  row('decoder only: decodeFile, WASM (audio-decode, GROOVEMATCH_DECODER=wasm)', wasm);
  row('decoder only: ffmpeg -threads 1 → 22,050 Hz mono f32', ff);
  const ms = (sec: number) => ((1000 * sec) / gm.audio).toFixed(3);
  if (nat) {
    console.log(`\nPer audio-second, CPU: analyseFile ${ms(gm.cpu)} ms = decoding ${ms(nat.cpu)} ms (${mp3Decoder()} decoder alone, ` +
      `same files) + features ${ms(gm.cpu - nat.cpu)} ms; origin ${ms(og.cpu)} ms. Ratio to the origin ${(og.cpu / gm.cpu).toFixed(2)}× ` +
      `per CPU-second, ${(x(gm) / x(og)).toFixed(2)}× wall; the decoder alone ${(og.cpu / nat.cpu).toFixed(2)}×.`);
  }
  console.log(`\nAudio seconds agree: ours ${gm.audio.toFixed(1)}, origin ${og.audio.toFixed(1)}, ffmpeg ${ff.audio.toFixed(1)}.`);
  console.log(`Origin start-up: import librosa ${og.startup.toFixed(2)} s (lazy); whole process ${og.processWall.toFixed(1)} s ` +
    `(incl. one warm-up file). ffmpeg with process start-up: ${(ff.audio / ff.processWall).toFixed(0)}× real-time.`);
  console.log('All timings exclude one untimed warm-up run of the first file (not for ffmpeg).');
  if (failed.length > 0) console.log(`Left out (groovematch could not analyse them): ${failed.join('; ')}.`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
