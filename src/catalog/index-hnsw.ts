import fs from 'node:fs';
import { Index, MetricKind, ScalarKind } from 'usearch';
import {
  IndexError,
  angular,
  checkDim,
  checkK,
  checkVector,
  statIndexFile,
  writeAtomically,
  type VectorIndex,
} from './index-common.js';

/**
 * The `hnsw` backend: a usearch HNSW graph over float32 vectors, cosine metric, memory-mapped with view().
 * Segment vectors come in tight groups (the windows of one track, near-duplicate grooves); with M = 16 such
 * groups fill each other's neighbour lists, the graph falls apart into islands and recall@10 stalled at
 * ~0.95 even at ef = 512 on 100k items; M = 32 keeps them linked. ef = 64 already gives 0.99 there, but
 * top-10 among ~50 near-equidistant cluster members needs ef = 128 for 0.99 (0.96 at 64); a query still
 * costs well under a millisecond (docs/benchmarks.md).
 */
export const HNSW_CONNECTIVITY = 32;
export const HNSW_EXPANSION_ADD = 96;
export const HNSW_EXPANSION_SEARCH = 128;

// Codes in usearch 2.x file headers (index_dense_head_t): metric 'c' = cos, f32, u64 keys, u32 slots.
const METRIC_COS = 99;
const SCALAR_F32 = 11;
const KEY_U64 = 14;
const SLOT_U32 = 15;

export interface HnswOptions {
  connectivity?: number;
  expansionAdd?: number;
  expansionSearch?: number;
  /** Threads for insertion; 0 = all cores. */
  threads?: number;
}

function makeIndex(dim: number, o: HnswOptions): Index {
  return new Index({
    metric: MetricKind.Cos,
    quantization: ScalarKind.F32,
    dimensions: dim,
    connectivity: o.connectivity ?? HNSW_CONNECTIVITY,
    expansion_add: o.expansionAdd ?? HNSW_EXPANSION_ADD,
    expansion_search: o.expansionSearch ?? HNSW_EXPANSION_SEARCH,
    multi: false,
  });
}

/** Build from packed vectors (ann_id order) and write atomically. Returns the count. */
export function buildHnswIndex(packed: Float32Array, dim: number, file: string, opts: HnswOptions = {}): number {
  checkDim(dim);
  if (packed.length % dim !== 0) throw new IndexError(`packed length ${packed.length} is not a multiple of ${dim}`);
  const n = packed.length / dim;
  if (n === 0) throw new IndexError(`cannot build an index of zero vectors (${file})`);
  for (let i = 0; i < packed.length; i++) {
    if (!Number.isFinite(packed[i])) throw new IndexError(`vector ${Math.floor(i / dim)} has a non-finite value`);
  }
  const index = makeIndex(dim, opts);
  const keys = new BigUint64Array(n);
  for (let i = 0; i < n; i++) keys[i] = BigInt(i);
  index.add(keys, packed, opts.threads ?? 0);
  writeAtomically(file, (tmp) => index.save(tmp));
  return n;
}

/**
 * Check the file is a usearch f32 cosine index of this dim whose byte length matches its own node table,
 * before usearch maps it: view() trusts the lengths it reads and would fault on a truncated file.
 * Layout: u32 rows, u32 bytes per row, the vectors, a 64-byte header, then the graph (40-byte header,
 * an i16 level per node, and the nodes).
 */
function inspect(file: string, dim: number, rebuild: string): number {
  const size = statIndexFile(file, rebuild);
  const bad = (why: string) => new IndexError(`Index ${file} is not a usable ${dim}-dimensional hnsw index (${why}): ${rebuild}`);
  const fd = fs.openSync(file, 'r');
  try {
    const read = (at: number, len: number): Buffer => {
      if (at + len > size) throw bad('truncated');
      const b = Buffer.alloc(len);
      fs.readSync(fd, b, 0, len, at);
      return b;
    };
    const m = read(0, 8);
    const rows = m.readUInt32LE(0);
    if (m.readUInt32LE(4) !== dim * 4) throw bad(`rows of ${m.readUInt32LE(4)} bytes, expected ${dim * 4}`);
    const h = 8 + rows * dim * 4;
    const head = read(h, 64);
    if (head.toString('latin1', 0, 7) !== 'usearch') throw bad('no usearch header');
    if (head.readUInt16LE(7) !== 2) throw bad(`file format version ${head.readUInt16LE(7)}`);
    if (head[13] !== METRIC_COS || head[14] !== SCALAR_F32 || head[15] !== KEY_U64 || head[16] !== SLOT_U32) {
      throw bad('not a float32 cosine index');
    }
    if (head.readBigUInt64LE(33) !== BigInt(dim)) throw bad(`${head.readBigUInt64LE(33)} dimensions`);
    if (head.readBigUInt64LE(17) !== BigInt(rows) || head[41] !== 0) throw bad('header and vectors disagree');
    const g = read(h + 64, 40);
    const nodes = Number(g.readBigUInt64LE(0));
    const m1 = Number(g.readBigUInt64LE(8));
    const m0 = Number(g.readBigUInt64LE(16));
    const maxLevel = Number(g.readBigUInt64LE(24));
    if (nodes !== rows || rows === 0 || Number(g.readBigUInt64LE(32)) >= rows) throw bad('graph and vectors disagree');
    if (m1 < 2 || m1 > 4096 || m0 < m1 || m0 > 8192 || maxLevel > 64) throw bad('implausible graph parameters');
    const levels = read(h + 64 + 40, 2 * nodes);
    let total = h + 64 + 40 + 2 * nodes;
    for (let i = 0; i < nodes; i++) {
      const l = levels.readInt16LE(2 * i);
      if (l < 0 || l > maxLevel) throw bad(`node ${i} has level ${l}`);
      total += 10 + (4 + 4 * m0) + (4 + 4 * m1) * l;
    }
    if (total !== size) throw bad(`${size} bytes where the graph needs ${total}; truncated?`);
    return rows;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Open (mmap) an index written by buildHnswIndex. Throws IndexError with a fix-it message. `fallback`
 * (opened on first need) answers the rare query HNSW cannot fill: k close to the size, with a node the
 * graph does not reach.
 */
export function openHnswIndex(
  file: string,
  dim: number,
  opts: { expansionSearch?: number; rebuild?: string; fallback?: () => VectorIndex } = {},
): VectorIndex {
  checkDim(dim);
  const rebuild = opts.rebuild ?? 'rebuild it with `groovematch index <dir> --index hnsw`';
  const rows = inspect(file, dim, rebuild);
  let index: Index | null = makeIndex(dim, { expansionSearch: opts.expansionSearch });
  try {
    index.view(file);
  } catch (err) {
    throw new IndexError(`usearch could not map ${file} (${(err as Error).message}): ${rebuild}`);
  }
  if (index.size() !== rows) throw new IndexError(`Index ${file}: usearch sees ${index.size()} items, the file says ${rows}`);
  let exact: VectorIndex | undefined;
  return {
    dim,
    size: rows,
    query(v, k) {
      if (!index) throw new IndexError(`index ${file} is closed`);
      const q = checkVector(v, dim, 'query vector');
      checkK(k);
      const n = Math.min(k, rows);
      if (n === 0) return { ids: [], distances: [] };
      // One thread: usearch would otherwise start a thread per core for a single query.
      const r = index.search(q, n, 1);
      if (r.keys.length < n && opts.fallback) {
        exact ??= opts.fallback();
        return exact.query(q, n);
      }
      const ids: number[] = [];
      const distances: number[] = [];
      // usearch's cos distance is 1 - cos; the rest of the code speaks angular sqrt(2 - 2cos).
      r.keys.forEach((key, i) => {
        ids.push(Number(key));
        distances.push(angular(1 - r.distances[i]));
      });
      return { ids, distances };
    },
    close() {
      // usearch has no unmap call; dropping the last reference lets its finaliser unmap the file.
      index = null;
      exact?.close();
    },
  };
}
