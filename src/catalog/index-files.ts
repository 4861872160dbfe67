import fs from 'node:fs';
import path from 'node:path';
import { buildAnnoyIndex, openAnnoyIndex } from './ann.js';
import { IndexError, type VectorIndex } from './index-common.js';
import { openExactIndex, writeExactIndex } from './index-exact.js';
import { buildHnswIndex, openHnswIndex } from './index-hnsw.js';

/** Index backends: Annoy trees (default), usearch HNSW, and brute force. */
export const INDEX_KINDS = ['annoy', 'hnsw', 'exact'] as const;
export type IndexKind = (typeof INDEX_KINDS)[number];
export const DEFAULT_INDEX: IndexKind = 'annoy';

/** The two indexes of a catalogue. */
export type IndexPart = 'tracks' | 'segments';

const EXTENSION: Record<IndexKind, string> = { annoy: 'ann', hnsw: 'usearch', exact: 'f32' };

export function isIndexKind(s: unknown): s is IndexKind {
  return typeof s === 'string' && (INDEX_KINDS as readonly string[]).includes(s);
}

export function parseIndexKind(s: string): IndexKind {
  if (!isIndexKind(s)) throw new IndexError(`unknown index backend '${s}': use one of ${INDEX_KINDS.join(', ')}`);
  return s;
}

/** e.g. tracks.ann, segments.usearch, tracks.f32 */
export function indexFileName(kind: IndexKind, part: IndexPart): string {
  return `${part}.${EXTENSION[kind]}`;
}

/**
 * Write one part's index files from its final vectors in ann_id order: always the cheap `exact` file, plus
 * `kind`'s file. Files of the other backends are removed, since their ann ids no longer match the store.
 * Zero vectors remove every file (Annoy cannot hold an empty index). Returns the count.
 */
export function writeIndexFiles(
  dataDir: string,
  part: IndexPart,
  kind: IndexKind,
  vectors: Iterable<Float32Array>,
  dim: number,
): number {
  const chunks: Float32Array[] = [];
  for (const v of vectors) chunks.push(v);
  const keep = new Set<IndexKind>(chunks.length > 0 ? ['exact', kind] : []);
  for (const k of INDEX_KINDS) if (!keep.has(k)) fs.rmSync(path.join(dataDir, indexFileName(k, part)), { force: true });
  if (chunks.length === 0) return 0;
  const file = (k: IndexKind) => path.join(dataDir, indexFileName(k, part));
  writeExactIndex(chunks, dim, file('exact'));
  if (kind === 'annoy') buildAnnoyIndex(chunks, dim, file('annoy'));
  if (kind === 'hnsw') {
    const packed = new Float32Array(chunks.length * dim);
    chunks.forEach((v, i) => packed.set(v, i * dim));
    buildHnswIndex(packed, dim, file('hnsw'));
  }
  return chunks.length;
}

/** Open one part's index of the given backend; a missing file names the command that makes it. */
export function openIndexFile(
  dataDir: string,
  part: IndexPart,
  kind: IndexKind,
  dim: number,
  opts: { searchK?: number } = {},
): VectorIndex {
  const file = path.join(dataDir, indexFileName(kind, part));
  const rebuild = `run \`groovematch index <dir> --index ${kind} --data ${dataDir}\``;
  if (!fs.existsSync(file)) throw new IndexError(`No ${kind} index at ${file}: ${rebuild}`);
  if (kind === 'exact') return openExactIndex(file, dim, rebuild);
  if (kind === 'hnsw') {
    const f32 = path.join(dataDir, indexFileName('exact', part));
    return openHnswIndex(file, dim, { rebuild, fallback: () => openExactIndex(f32, dim, rebuild) });
  }
  const index = openAnnoyIndex(file, dim);
  const searchK = opts.searchK;
  if (searchK === undefined) return index;
  return {
    dim: index.dim,
    size: index.size,
    query: (v, k, sk) => index.query(v, k, sk ?? searchK),
    close: () => index.close(),
  };
}
