import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildAnnoyIndex, openAnnoyIndex, IndexError, type VectorIndex } from '../src/catalog/ann.js';
import { buildCatalog } from '../src/catalog/build.js';
import { EXACT_HEADER_BYTES, exactIndex, openExactIndex, writeExactIndex } from '../src/catalog/index-exact.js';
import { indexFileName, openIndexFile, writeIndexFiles } from '../src/catalog/index-files.js';
import { buildHnswIndex, openHnswIndex } from '../src/catalog/index-hnsw.js';
import { Catalog } from '../src/catalog/store.js';
import { infoCommand } from '../src/commands/info.js';
import type { Analysis } from '../src/features/types.js';
import { FEATURE_VERSION, VECTOR_LENGTH } from '../src/features/vector.js';
import { CatalogError, openCatalogView } from '../src/recommend/catalog-view.js';
import { createRecommender, recommendFrom } from '../src/recommend/query.js';
import { gaussian, rng } from './helpers/random.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-backends-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function unit(v: Float32Array): Float32Array {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function randomUnit(r: () => number, dim: number): Float32Array {
  return unit(Float32Array.from({ length: dim }, () => gaussian(r)));
}

/** n unit vectors around `clusters` random centres: the shape of a catalogue's segment vectors. */
function clustered(r: () => number, n: number, dim: number, clusters: number, spread: number): Float32Array[] {
  const centres = Array.from({ length: clusters }, () => randomUnit(r, dim));
  return Array.from({ length: n }, (_, i) => unit(centres[i % clusters].map((x) => x + spread * gaussian(r))));
}

function packed(vs: Float32Array[], dim: number): Float32Array {
  const out = new Float32Array(vs.length * dim);
  vs.forEach((v, i) => out.set(v, i * dim));
  return out;
}

/** annoy, hnsw and the exact file over the same vectors, each built and opened from disk. */
function allBackends(vs: Float32Array[], dim: number): Record<string, VectorIndex> {
  const f = (ext: string) => path.join(dir, `x.${ext}`);
  buildAnnoyIndex(vs, dim, f('ann'));
  // One thread: a multi-threaded HNSW build differs from run to run.
  buildHnswIndex(packed(vs, dim), dim, f('usearch'), { threads: 1 });
  writeExactIndex(vs, dim, f('f32'));
  return {
    annoy: openAnnoyIndex(f('ann'), dim),
    hnsw: openHnswIndex(f('usearch'), dim, { fallback: () => openExactIndex(f('f32'), dim) }),
    exact: openExactIndex(f('f32'), dim),
  };
}

describe('index backends agree with brute force', () => {
  it('same top-1 and the same angular distances as exact on random unit vectors', () => {
    const r = rng(1);
    const dim = 32;
    const vs = Array.from({ length: 2000 }, () => randomUnit(r, dim));
    const truth = exactIndex(vs, dim);
    const backends = allBackends(vs, dim);
    for (let i = 0; i < 50; i++) {
      // A query near item 40i: its top-1 is well defined.
      const q = unit(vs[40 * i].map((x) => x + 0.05 * gaussian(r)));
      const want = truth.query(q, 5);
      for (const [name, idx] of Object.entries(backends)) {
        const got = idx.query(q, 5);
        expect(got.ids[0], name).toBe(want.ids[0]);
        expect(got.distances[0], name).toBeCloseTo(want.distances[0], 4);
      }
    }
    for (const idx of Object.values(backends)) {
      expect(idx.size).toBe(2000);
      expect(idx.query(vs[0], 0)).toEqual({ ids: [], distances: [] });
      expect(idx.query(vs[0], 3000).ids).toHaveLength(2000);
      expect(() => idx.query(new Float32Array(dim + 1), 3)).toThrow(IndexError);
      idx.close();
      expect(() => idx.query(vs[0], 1)).toThrow(IndexError);
    }
  });

  it('annoy and hnsw at their defaults keep top-10 overlap >= 0.95 on clustered vectors', () => {
    const r = rng(2);
    const dim = 64;
    const vs = clustered(r, 4000, dim, 80, 0.08);
    const truth = exactIndex(vs, dim);
    const { annoy, hnsw, exact } = allBackends(vs, dim);
    const overlap = { annoy: 0, hnsw: 0, exact: 0 };
    const queries = clustered(rng(3), 100, dim, 80, 0.08);
    for (const q of queries) {
      const want = new Set(truth.query(q, 10).ids);
      for (const [name, idx] of Object.entries({ annoy, hnsw, exact })) {
        overlap[name as keyof typeof overlap] += idx.query(q, 10).ids.filter((id) => want.has(id)).length / 1000;
      }
    }
    expect(overlap.exact).toBeCloseTo(1, 9);
    expect(overlap.annoy).toBeGreaterThanOrEqual(0.95);
    expect(overlap.hnsw).toBeGreaterThanOrEqual(0.95);
    [annoy, hnsw, exact].forEach((i) => i.close());
  });
});

describe('index files are checked before use', () => {
  const dim = 16;
  const write = (name: string, b: Uint8Array) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, b);
    return p;
  };

  it('explains a missing, foreign, truncated or wrong-dimension .f32 file', () => {
    const r = rng(4);
    const file = path.join(dir, 'x.f32');
    expect(writeExactIndex(Array.from({ length: 100 }, () => randomUnit(r, dim)), dim, file)).toBe(100);
    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBe(EXACT_HEADER_BYTES + 100 * dim * 4);
    expect(() => openExactIndex(path.join(dir, 'none.f32'), dim)).toThrow(/No index at .*none\.f32/);
    expect(() => openExactIndex(write('empty.f32', new Uint8Array(0)), dim)).toThrow(/empty/);
    expect(() => openExactIndex(write('cut.f32', bytes.subarray(0, bytes.length - 4)), dim)).toThrow(/truncated/);
    expect(() => openExactIndex(write('head.f32', bytes.subarray(0, 10)), dim)).toThrow(/wrong magic/);
    const foreign = Buffer.from(bytes);
    foreign.write('NOTMINE!', 0, 'latin1');
    expect(() => openExactIndex(write('foreign.f32', foreign), dim)).toThrow(/wrong magic/);
    const nan = Buffer.from(bytes);
    nan.writeFloatLE(Number.NaN, EXACT_HEADER_BYTES + 4);
    expect(() => openExactIndex(write('nan.f32', nan), dim)).toThrow(/not a unit vector/);
    expect(() => openExactIndex(file, dim + 1)).toThrow(/16-dimensional vectors, expected 17/);
    expect(() => writeExactIndex([new Float32Array(dim - 1)], dim, path.join(dir, 'bad.f32'))).toThrow(IndexError);
    expect(fs.existsSync(path.join(dir, 'bad.f32'))).toBe(false);
    expect(openExactIndex(file, dim).size).toBe(100);
  });

  it('explains a missing, foreign, truncated or wrong-dimension .usearch file without mapping it', () => {
    const r = rng(5);
    const file = path.join(dir, 'x.usearch');
    buildHnswIndex(packed(Array.from({ length: 300 }, () => randomUnit(r, dim)), dim), dim, file);
    const bytes = fs.readFileSync(file);
    expect(() => openHnswIndex(path.join(dir, 'none.usearch'), dim)).toThrow(/No index at/);
    expect(() => openHnswIndex(write('empty.usearch', new Uint8Array(0)), dim)).toThrow(/empty/);
    for (const cut of [1, 100, bytes.length / 2, bytes.length - 20]) {
      const p = write(`cut${cut}.usearch`, bytes.subarray(0, bytes.length - cut));
      expect(() => openHnswIndex(p, dim), `cut ${cut}`).toThrow(/truncated/);
    }
    const noise = Buffer.alloc(bytes.length);
    const rr = rng(6);
    for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(rr() * 256);
    expect(() => openHnswIndex(write('noise.usearch', noise), dim)).toThrow(IndexError);
    const ann = path.join(dir, 'x.ann');
    buildAnnoyIndex([randomUnit(r, dim)], dim, ann);
    expect(() => openHnswIndex(ann, dim)).toThrow(IndexError);
    expect(() => openHnswIndex(file, 8)).toThrow(/8-dimensional/);
    expect(() => buildHnswIndex(new Float32Array(0), dim, path.join(dir, 'zero.usearch'))).toThrow(/zero vectors/);
    const idx = openHnswIndex(file, dim);
    expect(idx.size).toBe(300);
    idx.close();
  });

  it('a missing backend file names the command that builds it; switching backend drops stale files', () => {
    const r = rng(7);
    const vs = Array.from({ length: 50 }, () => randomUnit(r, dim));
    expect(writeIndexFiles(dir, 'tracks', 'hnsw', vs, dim)).toBe(50);
    expect(fs.readdirSync(dir).sort()).toEqual(['tracks.f32', 'tracks.usearch']);
    expect(() => openIndexFile(dir, 'tracks', 'annoy', dim)).toThrow(`run \`groovematch index <dir> --index annoy --data ${dir}\``);
    writeIndexFiles(dir, 'tracks', 'annoy', vs, dim);
    expect(fs.readdirSync(dir).sort()).toEqual(['tracks.ann', 'tracks.f32']);
    expect(indexFileName('exact', 'segments')).toBe('segments.f32');
    writeIndexFiles(dir, 'tracks', 'annoy', [], dim);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('a catalogue built with --index hnsw', () => {
  function analysis(r: () => number): Analysis {
    return {
      feature_version: FEATURE_VERSION,
      duration_s: 30,
      tempo: 90 + r() * 60,
      tempo_confidence: r(),
      vector: Float32Array.from({ length: VECTOR_LENGTH }, () => gaussian(r)),
      segments: [0, 5, 10, 15, 20].map((s) => ({
        start_s: s,
        end_s: s + 10,
        tempo: 100,
        vector: Float32Array.from({ length: VECTOR_LENGTH }, () => gaussian(r)),
      })),
    };
  }

  it('is queried through the recommender, agrees with exact, and info reports the backend', async () => {
    const data = path.join(dir, 'data');
    const music = path.join(dir, 'music');
    fs.mkdirSync(music);
    // Tracks put with their real file stat are up to date, so the build only writes the indexes.
    const c = Catalog.open(data);
    const r = rng(8);
    for (let i = 0; i < 60; i++) {
      const p = path.join(music, `t${i}.wav`);
      fs.writeFileSync(p, `bytes ${i}`);
      const st = fs.statSync(p);
      const hash = createHash('sha256').update(`bytes ${i}`).digest('hex');
      c.putTrack({ path: p, size: st.size, mtime_ms: st.mtimeMs, hash }, { title: `t${i}`, artist: null, album: null, tags: [] }, analysis(r));
    }
    c.close();
    await buildCatalog({ dirs: [music], dataDir: data, workers: 1, index: 'hnsw' });
    expect(fs.readdirSync(data).filter((f) => !f.startsWith('catalog')).sort()).toEqual([
      'segments.f32', 'segments.usearch', 'tracks.f32', 'tracks.usearch',
    ]);

    const rec = createRecommender(data, { workers: 1 });
    const exact = openCatalogView(data, { index: 'exact' });
    try {
      expect(rec.info().index).toBe('hnsw');
      for (let i = 0; i < 10; i++) {
        const a = analysis(r);
        const got = rec.recommend(a, { k: 3 });
        const want = recommendFrom(exact, a, { k: 3 });
        expect(got.best[0].id).toBe(want.best[0].id);
        expect(got.best[0].similarity).toBeCloseTo(want.best[0].similarity, 3);
      }
    } finally {
      await rec.close();
      exact.close();
    }

    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    try {
      await infoCommand.run({ data, json: true }, []);
    } finally {
      spy.mockRestore();
    }
    expect(JSON.parse(out.join(''))).toMatchObject({ tracks: 60, segments: 300, index: 'hnsw' });
    expect(() => openCatalogView(data, { index: 'annoy' })).toThrow(CatalogError);
    expect(() => openCatalogView(data, { index: 'annoy' })).toThrow(/--index annoy/);
    expect(() => openCatalogView(data, { index: 'faiss' })).toThrow(/unknown index backend 'faiss'/);

    // A rebuild without --index keeps the catalogue's backend.
    await buildCatalog({ dirs: [music], dataDir: data, workers: 1 });
    const v = openCatalogView(data);
    expect(v.index).toBe('hnsw');
    v.close();
  });
});
