/**
 * Query speed: `npx tsx scripts/bench-query.ts [--data /tmp/gm-demo] [--requests 40] [--skip-100k]`.
 * 1. `groovematch serve` (the built dist/, rate limit off) answers POST /api/recommend with a 30 s MP3
 *    (cut from the first ingest-bench MP3) at 1, 4 and 16 concurrent loopback clients; latency is timed
 *    by the client, upload included. The server's own limits apply: beyond its queue it answers 503.
 * 2. The origin pipeline describing the same file once (librosa load + 40-MFCC mean).
 * 3. Index open time (mmap for annoy/hnsw, read for exact) on the catalogue and on 100k items.
 * `--split-only FILE`: only the in-process timings (decode, describe, recommend with and without the print
 * check), for that upload against --data; e.g. the 5-minute song of docs/quality.md against /tmp/gm-ex/catalog.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildAnnoyIndex } from '../src/catalog/ann.js';
import { writeExactIndex } from '../src/catalog/index-exact.js';
import { INDEX_KINDS, indexFileName, openIndexFile, type IndexPart } from '../src/catalog/index-files.js';
import { buildHnswIndex } from '../src/catalog/index-hnsw.js';
import { decodeFile } from '../src/audio/decode.js';
import { analyseFile } from '../src/features/analyse.js';
import { MelHelper } from '../src/features/mel-helper.js';
import { describe, queryHop } from '../src/features/vector.js';
import { openCatalogView } from '../src/recommend/catalog-view.js';
import { recommendFrom } from '../src/recommend/query.js';
import { PRINT_RULE } from '../src/recommend/segments.js';
import { origin, prepareMp3s } from './bench-ingest.js';
import { jittered, readF32 } from './bench-ann.js';
import { arg } from './args.js';

const DATA = arg('data', '/tmp/gm-demo');
const REQUESTS = Number(arg('requests', '40'));
const CLI = path.join(import.meta.dirname, '..', 'dist', 'cli.js');
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-bench-query-'));

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

function clip(): string {
  const out = path.join(WORK, 'clip30.mp3');
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-ss', '30', '-t', '30', '-i', prepareMp3s()[0],
    '-ar', '44100', '-ac', '2', '-c:a', 'libmp3lame', '-b:a', '192k', out]);
  return out;
}

async function startServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn('node', [CLI, 'serve', '--data', DATA, '--port', '0', '--rate-limit', '0'], {
    env: { ...process.env, UPLOADS_DIR: path.join(WORK, 'uploads') },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /on (http:\/\/\S+?)\/?\s/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening`)));
  });
  const stop = () => new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  return { url, stop };
}

async function post(url: string, bytes: Uint8Array<ArrayBuffer>): Promise<{ ms: number; status: number }> {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'audio/mpeg' }), 'clip30.mp3');
  const t0 = performance.now();
  const res = await fetch(`${url}/api/recommend`, { method: 'POST', body: form });
  await res.arrayBuffer();
  return { ms: performance.now() - t0, status: res.status };
}

async function load(url: string, bytes: Uint8Array<ArrayBuffer>, clients: number): Promise<string> {
  const ok: number[] = [];
  const statuses = new Map<number, number>();
  let left = REQUESTS;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (left-- > 0) {
      const r = await post(url, bytes);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status === 200) ok.push(r.ms);
    }
  }));
  const s = (performance.now() - t0) / 1000;
  const other = [...statuses].filter(([st]) => st !== 200).map(([st, n]) => `${n}× ${st}`).join(', ') || '-';
  return `| ${clients} | ${REQUESTS} | ${ok.length} | ${other} | ${pct(ok, 0.5).toFixed(0)} | ${pct(ok, 0.95).toFixed(0)} | ${(ok.length / s).toFixed(1)} |`;
}

function median(f: () => void, runs = 5): number {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  return pct(t, 0.5);
}

/** ms to open the tracks + segments indexes of a data dir (page cache warm: the files were just written). */
function openTimes(dir: string, parts: IndexPart[], dim: number): string[] {
  return INDEX_KINDS.map((kind) => median(() => parts.forEach((p) => openIndexFile(dir, p, kind, dim).close())).toFixed(1));
}

/** The catalogue's final vectors (its .f32 files) with every backend built from them, in a scratch dir. */
function withAllBackends(src: string, parts: IndexPart[], n?: number): { dir: string; items: number; dim: number } {
  const dir = fs.mkdtempSync(path.join(WORK, 'idx-'));
  let items = 0;
  let dim = 0;
  for (const p of parts) {
    const f = readF32(path.join(src, indexFileName('exact', p)));
    dim = f.dim;
    const all = n ? jittered(f.data, dim, n, 7, true, 0.3) : f.data;
    const vs = Array.from({ length: all.length / dim }, (_, i) => all.subarray(i * dim, (i + 1) * dim));
    writeExactIndex(vs, dim, path.join(dir, indexFileName('exact', p)));
    buildAnnoyIndex(vs, dim, path.join(dir, indexFileName('annoy', p)));
    buildHnswIndex(all, dim, path.join(dir, indexFileName('hnsw', p)));
    items += vs.length;
  }
  return { dir, items, dim };
}

/** Where one upload's server time goes: decode, descriptors (track + upload windows), the recommendation. */
async function split(file: string, data: string): Promise<string> {
  const view = openCatalogView(data);
  const helper = new MelHelper();
  const med = async (f: () => unknown) => {
    await f();
    const t: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      await f();
      t.push(performance.now() - t0);
    }
    return t.sort((a, b) => a - b)[5];
  };
  try {
    const audio = await decodeFile(file);
    const hop = queryHop(audio.duration_s);
    // As analyseFile describes an upload: its windows' hop and the second reading.
    const analysis = describe(audio.samples, audio.sampleRate, { hop, alt: true });
    const tDecode = await med(() => decodeFile(file));
    const tDescribe = await med(() => describe(audio.samples, audio.sampleRate, { hop, alt: true }));
    const tAnalyse = await med(() => analyseFile(file, { query: true }));
    // As the server's workers run it: the STFT in a helper thread while decoding goes on.
    for (let i = 0; i < 5; i++) await analyseFile(file, { query: true }, helper); // the helper thread's own warm-up
    const tHelped = await med(() => analyseFile(file, { query: true }, helper));
    // The first recommendation in this process: what `serve`'s warm-up (warmUp in query.ts) takes off the first upload.
    const t0 = performance.now();
    recommendFrom(view, analysis, {});
    const tFirst = performance.now() - t0;
    const tRecommend = await med(() => recommendFrom(view, analysis, {}));
    // The same without comparing any print (no candidates): what the alignment check costs.
    const tNoPrints = await med(() => recommendFrom(view, analysis, { print_rule: { ...PRINT_RULE, candidates: 0 } }));
    return '| decode | describe (track + ' + analysis.segments.length + ' windows) | analyseFile (both, streamed) | ' +
      'analyseFile, STFT in a helper thread (as served) | recommend | recommend without the print check | sum (served) | recommend, first call |\n' +
      '|---|---|---|---|---|---|---|---|\n' +
      `| ${tDecode.toFixed(1)} | ${tDescribe.toFixed(1)} | ${tAnalyse.toFixed(1)} | ${tHelped.toFixed(1)} | ${tRecommend.toFixed(1)} | ` +
      `${tNoPrints.toFixed(1)} | ${(tHelped + tRecommend).toFixed(1)} | ${tFirst.toFixed(1)} |`;
  } finally {
    view.close();
    await helper.terminate();
  }
}

async function main(): Promise<void> {
  const only = arg('split-only', '');
  if (only) {
    console.log(`In-process, ${only} against ${DATA}, median of 10 after a warm-up (ms):\n`);
    console.log(await split(only, DATA));
    fs.rmSync(WORK, { recursive: true, force: true });
    return;
  }
  const file = clip();
  const bytes = new Uint8Array(fs.readFileSync(file)) as Uint8Array<ArrayBuffer>;
  const server = await startServer();
  const lines: string[] = [];
  try {
    for (let i = 0; i < 2; i++) await post(server.url, bytes); // warm-up: workers' JIT, page cache
    for (const c of [1, 4, 16]) lines.push(await load(server.url, bytes, c));
  } finally {
    await server.stop();
  }
  console.log(`POST /api/recommend, 30 s 192 kbit/s MP3, catalogue ${DATA}, ${os.availableParallelism()} analysis workers, loopback:\n`);
  console.log('| clients | requests | 200 | other | p50 ms | p95 ms | answers/s |\n|---|---|---|---|---|---|---|');
  lines.forEach((l) => console.log(l));

  console.log('\nIn-process, the same file, median of 10 after a warm-up (ms):\n');
  console.log(await split(file, DATA));

  const og = origin([file]);
  console.log(`\nOrigin pipeline, same file once (librosa ${og.version} load at 22,050 Hz + 40-MFCC mean, one thread):`);
  console.log(`warm (inside python, after a warm-up run) ${(og.wall * 1000).toFixed(0)} ms; ` +
    `cold (python start + import librosa + first run) ${((og.processWall - og.wall) * 1000).toFixed(0)} ms.`);

  console.log('\nIndex open time, ms (median of 5; tracks + segments for a catalogue):\n');
  console.log(`| index | items | ${INDEX_KINDS.join(' | ')} |\n|---|---|${INDEX_KINDS.map(() => '---').join('|')}|`);
  const cat = withAllBackends(DATA, ['tracks', 'segments']);
  console.log(`| ${DATA} | ${cat.items} | ${openTimes(cat.dir, ['tracks', 'segments'], cat.dim).join(' | ')} |`);
  if (!process.argv.includes('--skip-100k')) {
    const big = withAllBackends(DATA, ['segments'], 100_000);
    console.log(`| its segments + jittered copies | ${big.items} | ${openTimes(big.dir, ['segments'], big.dim).join(' | ')} |`);
  }
  fs.rmSync(WORK, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
