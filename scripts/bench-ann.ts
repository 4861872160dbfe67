/**
 * ANN backends against exact search and the origin's LSH/MinHash: `npx tsx scripts/bench-ann.ts`.
 *   --data DIRS     comma-separated catalogues whose segments.f32 (final vectors) seed the data
 *                   (default /tmp/gm-real,/tmp/gm-demo); their own tracks/segments indexes are checked too
 *   --sizes LIST    default 10000,100000,1000000
 *   --queries N     per size (default 200; 100 from 1M on)
 *   --jitter S      noise std as a fraction of each dimension's spread (default 0.3)
 *   --pick-from F   an earlier run's output: its 100k rows choose the 1M LSH settings (for a 1M-only run)
 * Items beyond the real vectors are jittered copies (Gaussian noise, re-normalised); queries are fresh
 * jittered copies, never items. recall@10 = overlap with exact top 10. Queries run one at a time on one thread.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MetricKind, exactSearch, type BatchMatches } from 'usearch';
import { buildAnnoyIndex, openAnnoyIndex, DEFAULT_TREES } from '../src/catalog/ann.js';
import type { VectorIndex } from '../src/catalog/index-common.js';
import { openExactIndex, writeExactIndex } from '../src/catalog/index-exact.js';
import { buildHnswIndex, openHnswIndex, HNSW_CONNECTIVITY, HNSW_EXPANSION_SEARCH } from '../src/catalog/index-hnsw.js';
import { gaussian, minhash, rng, simhash, type Searcher } from './bench-ann-lsh.js';
import { arg } from './args.js';

const DATA = arg('data', '/tmp/gm-real,/tmp/gm-demo').split(',');
const SIZES = arg('sizes', '10000,100000,1000000').split(',').filter(Boolean).map(Number);
const QUERIES = Number(arg('queries', '200'));
const JITTER = Number(arg('jitter', '0.3'));
const PICK_FROM = arg('pick-from', '');
let WORK = '';
const K = 10;

export function readF32(file: string): { dim: number; data: Float32Array } {
  // Read in chunks: at 1M × 878 dimensions the file is over readFileSync's 2 GiB limit.
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(16);
    fs.readSync(fd, head, 0, 16, 0);
    const dim = head.readUInt32LE(8);
    const n = head.readUInt32LE(12);
    const data = new Float32Array(n * dim);
    const bytes = new Uint8Array(data.buffer);
    for (let off = 0; off < bytes.length; ) {
      const got = fs.readSync(fd, bytes, off, Math.min(bytes.length - off, 1 << 30), 16 + off);
      if (got <= 0) throw new Error(`${file}: truncated`);
      off += got;
    }
    return { dim, data };
  } finally {
    fs.closeSync(fd);
  }
}

function normalise(v: Float32Array): void {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let i = 0; i < v.length; i++) v[i] *= inv;
}

/** The real vectors first (if keepBase), then jittered copies of random real ones up to n. */
export function jittered(base: Float32Array, dim: number, n: number, seed: number, keepBase: boolean, jitter = JITTER): Float32Array {
  const nb = base.length / dim;
  const spread = new Float64Array(dim);
  const mean = new Float64Array(dim);
  for (let i = 0; i < nb; i++) for (let d = 0; d < dim; d++) mean[d] += base[i * dim + d] / nb;
  for (let i = 0; i < nb; i++) for (let d = 0; d < dim; d++) spread[d] += (base[i * dim + d] - mean[d]) ** 2 / nb;
  for (let d = 0; d < dim; d++) spread[d] = Math.sqrt(spread[d]) * jitter;
  const out = new Float32Array(n * dim);
  const r = rng(seed);
  const from = keepBase ? Math.min(n, nb) : 0;
  out.set(base.subarray(0, from * dim));
  for (let i = from; i < n; i++) {
    const src = Math.floor(r() * nb) * dim;
    const v = out.subarray(i * dim, (i + 1) * dim);
    for (let d = 0; d < dim; d++) v[d] = base[src + d] + (spread[d] > 0 ? spread[d] * gaussian(r) : 0);
    normalise(v);
  }
  return out;
}

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, (performance.now() - t0) / 1000];
}

function overlap(a: readonly number[], truth: readonly number[]): number {
  const s = new Set(truth);
  return a.filter((x) => s.has(x)).length / truth.length;
}

interface Row {
  size: number;
  name: string;
  settings: string;
  recall: number;
  qps: number;
  build: number;
  bytes: number;
}

function measure(name: string, settings: string, size: number, qs: Float32Array[], truth: number[][],
  query: (q: Float32Array) => number[], build: number, bytes: number): Row {
  query(qs[0]); // warm-up (JIT, page faults of a fresh mapping)
  let hits = 0;
  const [, s] = time(() => qs.forEach((q, i) => (hits += overlap(query(q), truth[i]))));
  return { size, name, settings, recall: hits / qs.length, qps: qs.length / s, build, bytes };
}

const viaIndex = (idx: VectorIndex, searchK?: number) => (q: Float32Array) => idx.query(q, K, searchK).ids;
const fileBytes = (f: string, n: number) => fs.statSync(f).size / n;

type MakeLsh = (data: Float32Array, dim: number) => Searcher;

/** The LSH settings tried at 10k and 100k: table count × key width (× probes), bins × bands × rows. */
const SWEEP: MakeLsh[] = [
  ...[[8, 16, 0], [16, 14, 0], [16, 16, 2], [32, 14, 2], [32, 12, 0]].map(
    ([tables, bits, probes]): MakeLsh => (d, n) => simhash(d, n, { tables, bits, probes })),
  ...[[2, 16, 4], [2, 24, 6], [2, 32, 3], [3, 32, 4], [4, 32, 4], [4, 64, 5]].map(
    ([bins, bands, rows]): MakeLsh => (d, n) => minhash(d, n, { bins, bands, rows, oph: true })),
];

/**
 * For 1M, per LSH method: the setting with the best recall at 100k among those no slower than Annoy's
 * default there (else the fastest), with keys made ten times more selective so buckets hold as many
 * items as at 100k: +3 bits per SimHash table, +1 MinHash row per band.
 */
function pickFor1M(rows: Row[]): MakeLsh[] {
  const at = Math.max(...rows.filter((r) => r.size < 1_000_000).map((r) => r.size));
  const annoy = rows.find((r) => r.size === at && r.settings.endsWith('(default)') && r.name === 'annoy')!;
  return ['simhash', 'minhash'].map((name) => {
    const mine = rows.filter((r) => r.size === at && r.name === name);
    const fast = mine.filter((r) => r.qps >= annoy.qps);
    const best = fast.length > 0 ? fast.sort((a, b) => b.recall - a.recall)[0] : mine.sort((a, b) => b.qps - a.qps)[0];
    const p = Object.fromEntries([...best.settings.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
    if (name === 'simhash') return (d, n) => simhash(d, n, { tables: p.L, bits: p.b + 3, probes: p.probes });
    const [bands, rws] = best.settings.split(', ')[1].split('×').map(Number);
    return (d, n) => minhash(d, n, { bins: p.bins, bands, rows: rws + 1, oph: true });
  });
}

/** Rows of an earlier run's printed table, so `--sizes 1000000 --pick-from OUT.md` can follow a 10k/100k run. */
function rowsFromTable(md: string): Row[] {
  const rows: Row[] = [];
  for (const line of md.split('\n')) {
    const c = line.split('|').map((x) => x.trim());
    if (c.length < 10 || !/^[\d,]+$/.test(c[1])) continue;
    rows.push({ size: Number(c[1].replace(/,/g, '')), name: c[2], settings: c[3], recall: Number(c[4]), qps: Number(c[5]), build: Number(c[7]), bytes: Number(c[8]) });
  }
  return rows;
}

/** Builds an Annoy index from an .f32 file in a child process (so it can overlap the single-threaded LSH builds). */
function annoyInChild(f32: string, out: string): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--build-annoy', f32, out], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let text = '';
  child.stdout.on('data', (c: Buffer) => (text += c.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(Number(text)) : reject(new Error(`annoy build failed (${code})`)))));
}

async function benchSize(base: Float32Array, dim: number, size: number, rows: Row[], lsh: MakeLsh[]): Promise<void> {
  const nq = size >= 1_000_000 ? Math.min(QUERIES, 100) : QUERIES;
  const data = jittered(base, dim, size, size, true);
  const qdata = jittered(base, dim, nq, 99, false);
  const qs = Array.from({ length: nq }, (_, i) => qdata.subarray(i * dim, (i + 1) * dim));
  const log = (m: string) => process.stderr.write(`[${size}] ${m}\n`);
  const vec = (i: number) => data.subarray(i * dim, (i + 1) * dim);
  const items = function* () {
    for (let i = 0; i < size; i++) yield vec(i);
  };

  const ef = path.join(WORK, 'x.f32');
  const [, eBuild] = time(() => writeExactIndex(items(), dim, ef));
  const exact = openExactIndex(ef, dim);
  const truth: number[][] = [];
  const [, eq] = time(() => qs.forEach((q) => truth.push(exact.query(q, K).ids)));
  rows.push({ size, name: 'exact', settings: 'blocked JS brute force (the `exact` backend)', recall: 1, qps: nq / eq, build: eBuild, bytes: fileBytes(ef, size) });
  exact.close();
  // The brute-force speed limit for reference: usearch's SIMD kernel, one thread, all queries in one call.
  let simdHits = 0;
  const [simd, sq] = time(() => exactSearch(data, qdata, dim, K, MetricKind.Cos, 1) as BatchMatches);
  qs.forEach((_, i) => (simdHits += overlap(Array.from(simd.get(i).keys, Number), truth[i])));
  rows.push({ size, name: 'exact', settings: 'usearch SIMD brute force, 1 thread (reference)', recall: simdHits / nq, qps: nq / sq, build: 0, bytes: dim * 4 });
  log(`exact ${(nq / eq).toFixed(1)} q/s, SIMD ${(nq / sq).toFixed(1)} q/s`);

  const af = path.join(WORK, 'x.ann');
  const annoyBuild = annoyInChild(ef, af);
  for (const make of lsh) {
    const [s, b] = time(() => make(data, dim));
    rows.push(measure(s.name, s.settings, size, qs, truth, (q) => s.query(q, K), b, s.bytes));
    log(`${s.name} ${s.settings}: ${rows[rows.length - 1].recall.toFixed(3)}`);
  }
  const aBuild = await annoyBuild;
  const annoy = openAnnoyIndex(af, dim);
  const sk = K * DEFAULT_TREES * 20;
  qs.forEach((q) => annoy.query(q, K, 2 * sk)); // fault in every page any setting below reads
  for (const f of [0.5, 1, 2]) {
    rows.push(measure('annoy', `${DEFAULT_TREES} trees, search_k=${sk * f}${f === 1 ? ' (default)' : ''}`, size, qs, truth,
      viaIndex(annoy, sk * f), aBuild, fileBytes(af, size)));
  }
  annoy.close();
  fs.rmSync(af);
  log(`annoy built in ${aBuild.toFixed(1)} s`);

  const hf = path.join(WORK, 'x.usearch');
  const [, hBuild] = time(() => buildHnswIndex(data, dim, hf, { threads: 0 }));
  const warm = openHnswIndex(hf, dim, { expansionSearch: 256 });
  qs.forEach((q) => warm.query(q, K));
  warm.close();
  for (const e of [64, HNSW_EXPANSION_SEARCH, 256]) {
    const h = openHnswIndex(hf, dim, { expansionSearch: e });
    rows.push(measure('hnsw', `M=${HNSW_CONNECTIVITY}, ef=${e}${e === HNSW_EXPANSION_SEARCH ? ' (default)' : ''}`, size, qs, truth,
      viaIndex(h), hBuild, fileBytes(hf, size)));
    h.close();
  }
  fs.rmSync(hf);
  log(`hnsw built in ${hBuild.toFixed(1)} s (${os.availableParallelism()} threads)`);
}

/** Leave-one-out top-10 overlap of a catalogue's own Annoy index with exact search over its .f32 file. */
function realCatalogue(dir: string): string[] {
  const out: string[] = [];
  for (const part of ['tracks', 'segments']) {
    const { dim, data } = readF32(path.join(dir, `${part}.f32`));
    const n = data.length / dim;
    const exact = openExactIndex(path.join(dir, `${part}.f32`), dim);
    const annoy = openAnnoyIndex(path.join(dir, `${part}.ann`), dim);
    const hf = path.join(WORK, `${part}.usearch`);
    buildHnswIndex(data, dim, hf);
    const hnsw = openHnswIndex(hf, dim);
    const loo = (idx: VectorIndex, i: number) =>
      idx.query(data.subarray(i * dim, (i + 1) * dim), K + 1).ids.filter((id) => id !== i).slice(0, K);
    let a = 0;
    let h = 0;
    for (let i = 0; i < n; i++) {
      const t = loo(exact, i);
      a += overlap(loo(annoy, i), t);
      h += overlap(loo(hnsw, i), t);
    }
    out.push(`| ${dir} | ${part} | ${n} | ${(a / n).toFixed(3)} | ${(h / n).toFixed(3)} |`);
    [exact, annoy, hnsw].forEach((x) => x.close());
  }
  return out;
}

async function main(): Promise<void> {
  WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-bench-ann-'));
  process.on('exit', () => fs.rmSync(WORK, { recursive: true, force: true }));
  const parts = DATA.map((d) => readF32(path.join(d, 'segments.f32')));
  const dim = parts[0].dim;
  const base = new Float32Array(parts.reduce((s, p) => s + p.data.length, 0));
  parts.reduce((at, p) => (base.set(p.data, at), at + p.data.length), 0);

  console.log('### Default indexes on real catalogues (leave-one-out top-10 overlap with exact)\n');
  console.log('| catalogue | index | items | annoy (default) | hnsw (default) |\n|---|---|---|---|---|');
  for (const d of DATA) for (const line of realCatalogue(d)) console.log(line);

  const rows: Row[] = PICK_FROM ? rowsFromTable(fs.readFileSync(PICK_FROM, 'utf8')) : [];
  for (const size of SIZES) await benchSize(base, dim, size, rows, size < 1_000_000 ? SWEEP : pickFor1M(rows));
  if (PICK_FROM) rows.splice(0, rows.length, ...rows.filter((r) => SIZES.includes(r.size)));
  if (rows.length === 0) return;
  console.log(`\n### recall@10, single-thread queries/s, build time, bytes per item (${base.length / dim} real ` +
    `${dim}-d segment vectors + jittered copies, jitter ${JITTER})\n`);
  console.log('| items | method | settings | recall@10 | queries/s | × exact | build s | bytes/item |\n|---|---|---|---|---|---|---|---|');
  const order = ['exact', 'annoy', 'hnsw', 'simhash', 'minhash'];
  rows.sort((a, b) => a.size - b.size || order.indexOf(a.name) - order.indexOf(b.name));
  for (const r of rows) {
    const ex = rows.find((x) => x.size === r.size && x.name === 'exact')!; // the exact backend, listed first
    console.log(`| ${r.size.toLocaleString('en')} | ${r.name} | ${r.settings} | ${r.recall.toFixed(3)} | ${r.qps.toFixed(r.qps < 10 ? 1 : 0)} | ` +
      `${(r.qps / ex.qps).toFixed(0)}× | ${r.build.toFixed(1)} | ${r.bytes.toFixed(0)} |`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--build-annoy');
  if (at > 0) {
    const { dim, data } = readF32(process.argv[at + 1]);
    const [, s] = time(() =>
      buildAnnoyIndex(Array.from({ length: data.length / dim }, (_, i) => data.subarray(i * dim, (i + 1) * dim)), dim, process.argv[at + 2]));
    process.stdout.write(String(s));
  } else {
    main().catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
  }
}
