import fs from 'node:fs';
import Annoy from 'annoy';
import { IndexError, checkDim, checkK, statIndexFile, writeAtomically, type VectorIndex } from './index-common.js';
import { dsp, f32, release, reuseOrAllocate } from '../features/dsp.js';

export { IndexError, type VectorIndex } from './index-common.js';
export { exactIndex } from './index-exact.js';

/**
 * Measured on 100-d unit vectors, k = 10, searchK = k * trees * SEARCH_K_FACTOR (= 10,000), top-10 overlap
 * with brute force: clustered data 1.000 / 1.000 / 0.964 at 1k / 10k / 100k items (1.4 ms vs 20 ms exact
 * at 100k); structureless Gaussian data 1.000 / 0.971 / 0.60. 100 trees at half the searchK cost the same
 * time for the same recall with a 60 % larger file. On the project's own 500-d vectors (scripts/bench-ann.ts,
 * docs/benchmarks.md): 0.99-1.000 on real catalogues' track and segment indexes, 1.000 at 100k and 0.975 at
 * 1M items (real segments plus jittered copies), 0.995 at 1M with search_k doubled at 40 % of the speed.
 */
export const DEFAULT_TREES = 50;
export const SEARCH_K_FACTOR = 20;

/** Angular node: n_descendants (int32) + children[2] (int32, unioned with the norm) + dim floats. */
export function annoyNodeSize(dim: number): number {
  return 12 + 4 * dim;
}

/** A plain Array of exactly dim finite numbers: the addon silently ignores typed arrays and overflows on long ones. */
function plain(v: Float32Array | readonly number[], dim: number, what: string): number[] {
  if (v.length !== dim) throw new IndexError(`${what} has length ${v.length}, expected ${dim}`);
  const out = new Array<number>(dim);
  for (let i = 0; i < dim; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new IndexError(`${what} has a non-finite value at ${i}`);
    out[i] = x;
  }
  return out;
}

/** v itself when it has dim finite numbers (what plain() checks, without the copy). */
function finite(v: Float32Array | readonly number[], dim: number, what: string): Float32Array | readonly number[] {
  if (v.length !== dim) throw new IndexError(`${what} has length ${v.length}, expected ${dim}`);
  for (let i = 0; i < dim; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new IndexError(`${what} has a non-finite value at ${i}`);
  }
  return v;
}

/**
 * Build an Annoy angular index from vectors in ann_id order and write it atomically: a temp file beside
 * `file`, fsynced, then renamed over it, so a reader never maps a half-written index.
 */
export function buildAnnoyIndex(
  vectors: Iterable<Float32Array | readonly number[]>,
  dim: number,
  file: string,
  opts: { trees?: number } = {},
): number {
  checkDim(dim);
  const trees = opts.trees ?? DEFAULT_TREES;
  if (!Number.isInteger(trees) || trees < 1) throw new IndexError(`trees must be a positive integer, got ${trees}`);
  const annoy = new Annoy(dim, 'Angular');
  let n = 0;
  for (const v of vectors) {
    annoy.addItem(n, plain(v, dim, `vector ${n}`));
    n++;
  }
  // Annoy writes no usable file for zero items; an empty catalogue has no index.
  if (n === 0) throw new IndexError(`cannot build an index of zero vectors (${file})`);
  annoy.build(trees);
  try {
    writeAtomically(file, (tmp) => {
      if (!annoy.save(tmp)) throw new IndexError(`could not write index ${tmp}`);
    });
  } finally {
    annoy.unload();
  }
  return n;
}

interface Layout {
  items: number;
  trees: number;
}

/**
 * Check the file is an Annoy angular index for this dim before handing it to the addon, which would
 * mmap anything and read out of bounds. Item nodes come first: n_descendants = 1 and a stored squared
 * norm that must equal the squared norm of the dim floats that follow; a wrong dim misaligns both.
 */
function inspect(file: string, dim: number): Layout {
  if (!fs.existsSync(file)) throw new IndexError(`No index at ${file}: run \`groovematch index <dir>\` first`);
  const rebuild = 'rebuild it with `groovematch index <dir>`';
  const size = statIndexFile(file, rebuild);
  const s = annoyNodeSize(dim);
  if (size % s !== 0) {
    throw new IndexError(
      `Index ${file} is truncated or not built for ${dim}-dimensional vectors ` +
        `(${size} bytes is not a multiple of the ${s}-byte node): ${rebuild}`,
    );
  }
  const nodes = size / s;
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(s);
    const read = (i: number): Buffer => {
      fs.readSync(fd, buf, 0, s, i * s);
      return buf;
    };
    const items = read(nodes - 1).readInt32LE(0);
    const bad = (why: string): IndexError =>
      new IndexError(`Index ${file} does not look like a ${dim}-dimensional Annoy angular index (${why}): ${rebuild}`);
    if (items < 1 || items > nodes) throw bad(`root claims ${items} items in ${nodes} nodes`);
    for (const i of new Set([0, items - 1])) {
      const b = read(i);
      if (b.readInt32LE(0) !== 1) throw bad(`node ${i} is not an item`);
      const norm = b.readFloatLE(4);
      let sq = 0;
      for (let j = 0; j < dim; j++) {
        const x = b.readFloatLE(12 + 4 * j);
        sq += x * x;
      }
      if (!Number.isFinite(sq) || Math.abs(sq - norm) > 1e-3 * Math.max(1, sq)) throw bad(`item ${i} norm mismatch`);
    }
    // Roots are copied to the end of the file; count them as annoylib's load() does.
    const roots: number[] = [];
    for (let i = nodes - 1; i >= items && roots.length < 100_000; i--) {
      if (read(i).readInt32LE(0) !== items) break;
      roots.push(i);
    }
    let trees = roots.length;
    if (trees > 1) {
      const first = read(roots[0]).readInt32LE(4);
      if (read(roots[trees - 1]).readInt32LE(4) === first) trees--;
    }
    // A whole file ends with copies of the roots, the last one a byte copy of the node `trees` before it
    // (the last tree's root). A file cut short mostly ends inside a tree instead. (One item is a degenerate
    // layout where every node looks like a root.)
    if (items > 1) {
      const last = Buffer.from(read(nodes - 1));
      if (roots.length < 2 || nodes - 1 - trees < items || !last.equals(read(nodes - 1 - trees))) {
        throw bad('it does not end with its tree roots; truncated?');
      }
    }
    return { items, trees: Math.max(1, trees) };
  } finally {
    fs.closeSync(fd);
  }
}

/** Items an annoylib leaf holds for angular nodes of this dim: (node size − offsetof(Node, children)) / sizeof(int32). */
export function annoyLeafCapacity(dim: number): number {
  return (annoyNodeSize(dim) - 4) / 4;
}

/** annoylib's dot(): a float32 sum in order. */
function dotF32(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s = Math.fround(s + Math.fround(a[i] * b[i]));
  return s;
}

type Search = (q: Float32Array | readonly number[], n: number) => { ids: number[]; distances: number[] };

/**
 * An index of at most annoyLeafCapacity(dim) items is one leaf per tree, so every Annoy query examines every
 * item: its answer is the brute-force top n under its float32 angular distance, ties by id. This computes that
 * answer the way annoylib does (float32 dot products summed in order, its distance formula, partial_sort's
 * order), with the dot products in the WebAssembly kernels, four items per SIMD lane: the same ids and
 * distances, about 10× faster than the addon for a 600-window catalogue. Null where it does not apply.
 */
function leafSearch(file: string, dim: number, items: number): { search: Search; close(): void } | null {
  const k = dsp();
  if (!k || items > annoyLeafCapacity(dim)) return null;
  const s = annoyNodeSize(dim);
  // Read and packed for the kernel at the first query, through a descriptor opened now: the file Annoy has
  // mapped, even if a rebuild renames a new one over its name meanwhile. Opening stays as cheap as before.
  let fd: number | null = fs.openSync(file, 'r');
  const blocks = Math.ceil(items / 4);
  const norms = new Float32Array(items);
  const leaf = new Uint8Array(items);
  let raw = new ArrayBuffer(0);
  let region: { ptr: number; bytes: number } | null = null;
  const pack = (): number => {
    raw = new ArrayBuffer(items * s);
    const got = fs.readSync(fd!, new Uint8Array(raw), 0, raw.byteLength, 0);
    fs.closeSync(fd!);
    fd = null;
    if (got !== raw.byteLength) throw new IndexError(`Index ${file} is shorter than its ${items} items`);
    const view = new DataView(raw);
    region = reuseOrAllocate(k, 4 * (blocks * 4 * dim + dim + blocks * 4));
    const packed = f32(k, region.ptr, blocks * 4 * dim);
    packed.fill(0);
    for (let i = 0; i < items; i++) {
      leaf[i] = view.getInt32(i * s, true) === 1 ? 1 : 0;
      norms[i] = view.getFloat32(i * s + 4, true);
      const v = new Float32Array(raw, i * s + 12, dim);
      const base = Math.floor(i / 4) * dim * 4 + (i % 4);
      for (let j = 0; j < dim; j++) packed[base + 4 * j] = v[j];
    }
    return region.ptr;
  };
  let open = true;
  const q = new Float32Array(dim);
  const dist = new Float64Array(items);
  const search: Search = (v, n) => {
    const x4 = region ? region.ptr : pack();
    const qp = x4 + 4 * blocks * 4 * dim;
    const out = qp + 4 * dim;
    q.set(v);
    f32(k, qp, dim).set(q);
    k.dots_by_four(x4, blocks, dim, qp, out);
    const pq = f32(k, out, items);
    const qq = dotF32(q, q);
    const order: number[] = [];
    for (let i = 0; i < items; i++) {
      if (!leaf[i]) continue;
      const nn = norms[i] !== 0 ? norms[i] : dotF32(new Float32Array(raw, i * s + 12, dim), new Float32Array(raw, i * s + 12, dim));
      const ppqq = Math.fround(qq * nn);
      dist[i] = ppqq > 0 ? Math.fround(2.0 - (2.0 * pq[i]) / Math.fround(Math.sqrt(ppqq))) : 2;
      order.push(i);
    }
    // partial_sort's first n of (distance, id), kept sorted by insertion: n is small, items few hundred.
    const top: number[] = [];
    const m = Math.min(n, order.length);
    for (const i of order) {
      if (top.length === m) {
        if (!(dist[i] < dist[top[m - 1]])) continue; // ids rise, so a tie never displaces
        top.pop();
      }
      let at = top.length;
      top.push(i);
      while (at > 0 && dist[top[at - 1]] > dist[i]) {
        top[at] = top[at - 1];
        at--;
      }
      top[at] = i;
    }
    // normalized_distance: sqrt(std::max(d, 0)), where std::max keeps its first argument unless it is less.
    return { ids: top, distances: top.map((i) => Math.fround(Math.sqrt(dist[i] < 0 ? 0 : dist[i]))) };
  };
  return {
    search,
    close() {
      if (open && region) release(region);
      if (fd !== null) fs.closeSync(fd);
      fd = null;
      open = false;
    },
  };
}

/** Open (mmap) an index written by buildAnnoyIndex. Throws IndexError with a fix-it message. */
export function openAnnoyIndex(file: string, dim: number): VectorIndex {
  checkDim(dim);
  const layout = inspect(file, dim);
  const annoy = new Annoy(dim, 'Angular');
  if (!annoy.load(file)) throw new IndexError(`Annoy could not load ${file}`);
  const size = annoy.getNItems();
  if (size !== layout.items) {
    annoy.unload();
    throw new IndexError(`Index ${file}: Annoy sees ${size} items, the file says ${layout.items}`);
  }
  let open = true;
  const leaf = process.env.GROOVEMATCH_ANNOY_LEAF === 'addon' ? null : leafSearch(file, dim, size);
  return {
    dim,
    size,
    query(v, k, searchK) {
      if (!open) throw new IndexError(`index ${file} is closed`);
      const q = leaf ? finite(v, dim, 'query vector') : plain(v, dim, 'query vector');
      checkK(k);
      if (searchK !== undefined && !(searchK > 0)) throw new IndexError(`searchK must be positive, got ${searchK}`);
      const n = Math.min(k, size);
      if (n === 0) return { ids: [], distances: [] };
      if (leaf) return leaf.search(q, n);
      if (!Array.isArray(q)) throw new IndexError('query vector must be converted for the addon');
      // The addon returns exactly n slots and reads past its result vector when it found fewer than n
      // distinct items; k * trees candidates always hold >= n distinct ones (an item is in one leaf per tree).
      const floor = n * layout.trees;
      const sk = Math.max(floor, Math.ceil(searchK ?? floor * SEARCH_K_FACTOR));
      // Without a leaf search q came from plain(): a plain Array, the only thing the addon reads.
      const r = annoy.getNNsByVector(q as number[], n, Math.min(sk, 2 ** 31 - 1), true);
      if (!r || r.neighbors.length !== n) throw new IndexError(`Annoy query on ${file} failed`);
      return { ids: r.neighbors, distances: r.distances };
    },
    close() {
      if (open) annoy.unload();
      leaf?.close();
      open = false;
    },
  };
}

