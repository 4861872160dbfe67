import fs from 'node:fs';
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
 * The `exact` backend: brute force over unit vectors. File layout (little-endian): 8-byte magic, u32 dim,
 * u32 count, then count × dim float32, each vector L2-normalised at write time so a dot is the cosine.
 */
export const EXACT_MAGIC = 'GMEXACT1';
export const EXACT_HEADER_BYTES = 16;

/** Vectors scored per pass: 256 × 308 floats (~300 KB) stay in L2 while the heap looks at their scores. */
const BLOCK = 256;

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  // A zero vector stays zero: cosine 0 with everything, as Annoy treats it.
  if (s > 0) {
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < v.length; i++) v[i] *= inv;
  }
  return v;
}

function dots(data: Float32Array, dim: number, q: Float32Array, from: number, to: number, out: Float64Array): void {
  for (let i = from, o = from * dim; i < to; i++, o += dim) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += q[j] * data[o + j];
    out[i - from] = s;
  }
}

/** Top k by cosine over packed unit vectors; ties go to the lower id. q must be unit (or zero). */
export function searchPacked(
  data: Float32Array,
  dim: number,
  q: Float32Array,
  k: number,
): { ids: number[]; distances: number[] } {
  const size = data.length / dim;
  const n = Math.min(k, size);
  if (n <= 0) return { ids: [], distances: [] };
  // Min-heap on (cos, then -id): the root is the worst kept item.
  const hs = new Float64Array(n);
  const hi = new Int32Array(n);
  let filled = 0;
  const worse = (a: number, b: number) => hs[a] < hs[b] || (hs[a] === hs[b] && hi[a] > hi[b]);
  const swap = (a: number, b: number) => {
    const s = hs[a];
    hs[a] = hs[b];
    hs[b] = s;
    const t = hi[a];
    hi[a] = hi[b];
    hi[b] = t;
  };
  const scores = new Float64Array(BLOCK);
  for (let b = 0; b < size; b += BLOCK) {
    const end = Math.min(size, b + BLOCK);
    dots(data, dim, q, b, end, scores);
    for (let i = b; i < end; i++) {
      const s = scores[i - b];
      if (filled < n) {
        let c = filled++;
        hs[c] = s;
        hi[c] = i;
        while (c > 0 && worse(c, (c - 1) >> 1)) {
          swap(c, (c - 1) >> 1);
          c = (c - 1) >> 1;
        }
      } else if (s > hs[0]) {
        // Ids rise, so an equal score never displaces an earlier item.
        hs[0] = s;
        hi[0] = i;
        for (let c = 0; ; ) {
          const l = 2 * c + 1;
          if (l >= n) break;
          const m = l + 1 < n && worse(l + 1, l) ? l + 1 : l;
          if (!worse(m, c)) break;
          swap(m, c);
          c = m;
        }
      }
    }
  }
  const order = Array.from({ length: filled }, (_, i) => i).sort((a, b) => hs[b] - hs[a] || hi[a] - hi[b]);
  return { ids: order.map((i) => hi[i]), distances: order.map((i) => angular(hs[i])) };
}

function packedIndex(data: Float32Array, dim: number, what: string): VectorIndex {
  let open = true;
  return {
    dim,
    size: data.length / dim,
    query(v, k) {
      if (!open) throw new IndexError(`${what} is closed`);
      const q = unit(checkVector(v, dim, 'query vector'));
      checkK(k);
      return searchPacked(data, dim, q, k);
    },
    close() {
      open = false;
    },
  };
}

/** Brute-force cosine search over vectors held in memory (copied), with Annoy's angular distances. */
export function exactIndex(vectors: readonly Float32Array[] | Float32Array, dim: number): VectorIndex {
  checkDim(dim);
  let data: Float32Array;
  if (vectors instanceof Float32Array) {
    if (vectors.length % dim !== 0) throw new IndexError(`packed length ${vectors.length} is not a multiple of ${dim}`);
    data = Float32Array.from(vectors);
    for (let o = 0; o < data.length; o += dim) unit(data.subarray(o, o + dim));
  } else {
    data = new Float32Array(vectors.length * dim);
    vectors.forEach((v, i) => data.set(unit(checkVector(v, dim, `vector ${i}`)), i * dim));
  }
  return packedIndex(data, dim, 'index');
}

/** Write vectors (in ann_id order) as an `exact` index file, atomically. Returns the count. */
export function writeExactIndex(vectors: Iterable<Float32Array | readonly number[]>, dim: number, file: string): number {
  checkDim(dim);
  let n = 0;
  writeAtomically(file, (tmp) => {
    const fd = fs.openSync(tmp, 'w');
    try {
      const chunk = Buffer.alloc(BLOCK * dim * 4);
      const floats = new Float32Array(chunk.buffer, chunk.byteOffset, BLOCK * dim);
      let at = EXACT_HEADER_BYTES;
      let inChunk = 0;
      const flush = () => {
        fs.writeSync(fd, chunk, 0, inChunk * dim * 4, at);
        at += inChunk * dim * 4;
        inChunk = 0;
      };
      for (const v of vectors) {
        floats.set(unit(checkVector(v, dim, `vector ${n}`)), inChunk * dim);
        n++;
        if (++inChunk === BLOCK) flush();
      }
      flush();
      const head = Buffer.alloc(EXACT_HEADER_BYTES);
      head.write(EXACT_MAGIC, 0, 'latin1');
      head.writeUInt32LE(dim, 8);
      head.writeUInt32LE(n, 12);
      fs.writeSync(fd, head, 0, head.length, 0);
    } finally {
      fs.closeSync(fd);
    }
  });
  return n;
}

/**
 * Read an `exact` index file into memory. Node cannot mmap, so this costs one sequential read
 * (about 1.2 KB per item at 308 dimensions). Throws IndexError with a fix-it message.
 */
export function openExactIndex(file: string, dim: number, rebuild = 'rebuild it with `groovematch index <dir>`'): VectorIndex {
  checkDim(dim);
  const bytes = statIndexFile(file, rebuild);
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(EXACT_HEADER_BYTES);
    const got = fs.readSync(fd, head, 0, head.length, 0);
    const bad = (why: string) => new IndexError(`Index ${file} is not a usable exact index (${why}): ${rebuild}`);
    if (got < head.length || head.toString('latin1', 0, 8) !== EXACT_MAGIC) throw bad('wrong magic');
    const fileDim = head.readUInt32LE(8);
    const count = head.readUInt32LE(12);
    if (fileDim !== dim) throw bad(`it holds ${fileDim}-dimensional vectors, expected ${dim}`);
    const want = EXACT_HEADER_BYTES + count * dim * 4;
    if (bytes !== want) throw bad(`${bytes} bytes where ${count} vectors need ${want}; truncated?`);
    const data = new Float32Array(count * dim);
    const view = new Uint8Array(data.buffer);
    for (let off = 0; off < view.length; ) {
      const r = fs.readSync(fd, view, off, Math.min(view.length - off, 1 << 30), EXACT_HEADER_BYTES + off);
      if (r <= 0) throw bad('short read');
      off += r;
    }
    // Spot-check the first and last vectors: unit (or zero) and finite, as written.
    for (const i of count > 0 ? [0, count - 1] : []) {
      let s = 0;
      for (let j = i * dim; j < (i + 1) * dim; j++) s += data[j] * data[j];
      if (!Number.isFinite(s) || (s !== 0 && Math.abs(s - 1) > 1e-3)) throw bad(`vector ${i} is not a unit vector`);
    }
    return packedIndex(data, dim, `index ${file}`);
  } finally {
    fs.closeSync(fd);
  }
}
