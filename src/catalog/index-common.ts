import fs from 'node:fs';
import path from 'node:path';

/** Nearest-neighbour search over the final (L2-normalised) vectors. Ids are dense 0..size-1 = ann_id. */
export interface VectorIndex {
  readonly dim: number;
  readonly size: number;
  /**
   * Nearest first; distance is Annoy's angular distance sqrt(2 - 2cos), in [0, 2], whatever the backend.
   * searchK is Annoy's search_k (candidates inspected); the other backends ignore it.
   */
  query(v: Float32Array | readonly number[], k: number, searchK?: number): { ids: number[]; distances: number[] };
  close(): void;
}

export class IndexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IndexError';
  }
}

export function checkDim(dim: number): void {
  if (!Number.isInteger(dim) || dim < 1) throw new IndexError(`invalid vector dimension ${dim}`);
}

export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 0) throw new IndexError(`k must be a non-negative integer, got ${k}`);
}

/** A Float32Array copy of exactly dim finite numbers; native code would read past a short one. */
export function checkVector(v: Float32Array | readonly number[], dim: number, what: string): Float32Array {
  if (v.length !== dim) throw new IndexError(`${what} has length ${v.length}, expected ${dim}`);
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new IndexError(`${what} has a non-finite value at ${i}`);
    out[i] = x;
  }
  return out;
}

/** Angular distance from a cosine, clamped against rounding. */
export function angular(cos: number): number {
  return Math.sqrt(Math.max(0, 2 - 2 * cos));
}

function fsyncPath(p: string): void {
  const fd = fs.openSync(p, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function fsyncDir(dir: string): void {
  // Makes the rename durable; not every platform lets a directory be opened, and that is not fatal.
  try {
    fsyncPath(dir);
  } catch {
    /* best effort */
  }
}

/**
 * Let `write` fill a temp file beside `file`, fsync it, then rename it over `file`, so a reader never
 * maps a half-written index and an open reader keeps the old one.
 */
export function writeAtomically(file: string, write: (tmp: string) => void): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    write(tmp);
    fsyncPath(tmp);
    fs.renameSync(tmp, file);
    fsyncDir(path.dirname(file));
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Size of a regular file, or an IndexError that says how to make it. */
export function statIndexFile(file: string, rebuild: string): number {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st) throw new IndexError(`No index at ${file}: ${rebuild}`);
  if (!st.isFile()) throw new IndexError(`Index ${file} is not a file`);
  if (st.size === 0) throw new IndexError(`Index ${file} is empty: ${rebuild}`);
  return st.size;
}
