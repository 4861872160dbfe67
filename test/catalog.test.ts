import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Analysis } from '../src/features/types.js';
import { FEATURE_VERSION, VECTOR_LENGTH } from '../src/features/vector.js';
import {
  IndexError,
  annoyNodeSize,
  buildAnnoyIndex,
  exactIndex,
  openAnnoyIndex,
} from '../src/catalog/ann.js';
import { buildCatalog, formatSummary } from '../src/catalog/build.js';
import { LOCK_FILE, LockError } from '../src/catalog/lock.js';
import { progressReporter } from '../src/catalog/progress.js';
import { isUnder, scanAudio } from '../src/catalog/scan.js';
import { Catalog, META, SCHEMA_VERSION, blobToVector, vectorToBlob } from '../src/catalog/store.js';
import { DEMO_AUDIO_DIR } from '../src/commands/demo.js';
import { demoBuildReason } from '../src/commands/serve.js';
import { encodeWav } from '../src/synth/wav.js';
import { gaussian, rng } from './helpers/random.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-catalog-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function randomVector(r: () => number, dim: number, unit = false): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = gaussian(r);
  if (unit) {
    const n = Math.hypot(...v);
    for (let i = 0; i < dim; i++) v[i] /= n;
  }
  return v;
}

function analysis(r: () => number, segments: number, dim = VECTOR_LENGTH): Analysis {
  return {
    feature_version: FEATURE_VERSION,
    duration_s: 5 + segments * 5,
    tempo: 90 + r() * 60,
    tempo_confidence: r(),
    vector: randomVector(r, dim),
    segments: Array.from({ length: segments }, (_, i) => ({
      start_s: i * 5,
      end_s: i * 5 + 10,
      tempo: 100 + i,
      vector: randomVector(r, dim),
    })),
  };
}

function fileInfo(p: string, hash = 'ab'.repeat(32)) {
  return { path: p, size: 1234, mtime_ms: 1700000000123.5, hash };
}

const noTags = { title: 'T', artist: null, album: null, tags: [] as string[] };

function bits(v: Float32Array): number[] {
  return Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length));
}

describe('npm start after an upgrade', () => {
  const stored = (version: string, paths: string[]) => {
    const c = Catalog.open(dir);
    paths.forEach((p, i) => c.putTrack(fileInfo(p, String(i).repeat(64)), noTags, { ...analysis(rng(i + 1), 1), feature_version: version }));
    c.setMeta(META.featureVersion, version);
    c.close();
  };
  const demo = (name: string) => path.join(dir, DEMO_AUDIO_DIR, name);

  it('builds the demo into an empty data dir and leaves a current catalogue alone', () => {
    expect(demoBuildReason(dir)).toMatch(/No catalogue/);
    stored(FEATURE_VERSION, [demo('a.mp3')]);
    expect(demoBuildReason(dir)).toBeNull();
  });

  it('rebuilds a demo catalogue of an older feature version, never one holding other music', () => {
    stored('gm0', [demo('a.mp3'), demo('b.mp3')]);
    expect(demoBuildReason(dir)).toMatch(/demo catalogue .* gm0/);
    const c = Catalog.open(dir);
    c.putTrack(fileInfo('/music/mine.flac', 'f'.repeat(64)), noTags, { ...analysis(rng(9), 1), feature_version: 'gm0' });
    c.close();
    expect(demoBuildReason(dir)).toBeNull();
  });
});

describe('blob helpers', () => {
  it('copy only the view, whatever its byteOffset', () => {
    const big = new Float32Array([1, 2, 3, 4, 5, 6]);
    const view = big.subarray(2, 5);
    const blob = vectorToBlob(view);
    expect(blob.byteLength).toBe(12);
    expect(Array.from(blobToVector(blob))).toEqual([3, 4, 5]);

    // A Buffer at an odd offset cannot be viewed as floats in place; the helper must copy.
    const backing = Buffer.alloc(1 + 12);
    blob.copy(backing, 1);
    const odd = backing.subarray(1);
    expect(odd.byteOffset % 4).not.toBe(0);
    const back = blobToVector(odd);
    expect(Array.from(back)).toEqual([3, 4, 5]);
    backing.fill(0);
    expect(Array.from(back)).toEqual([3, 4, 5]);
    expect(() => blobToVector(Buffer.alloc(7))).toThrow(/whole number/);
  });
});

describe('Catalog store', () => {
  it('creates the data dir and a WAL catalogue with the current schema', () => {
    const data = path.join(dir, 'nested', 'data');
    const c = Catalog.open(data);
    expect(fs.existsSync(path.join(data, 'catalog.sqlite'))).toBe(true);
    expect(c.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(c.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(c.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    c.close();
    Catalog.open(data).close(); // reopening an up-to-date catalogue migrates nothing
  });

  it('refuses a catalogue from a newer version, and readonly on a missing one', () => {
    const c = Catalog.open(dir);
    c.db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    c.close();
    expect(() => Catalog.open(dir)).toThrow(/schema version/);
    expect(() => Catalog.open(path.join(dir, 'none'), { readonly: true })).toThrow(/No catalogue/);
  });

  it('round-trips tracks and segments bit-exactly', () => {
    const c = Catalog.open(dir);
    const r = rng(1);
    const a = analysis(r, 3);
    a.vector[0] = -0;
    a.vector[1] = 1e-40; // subnormal
    a.vector[2] = 3.4e38;
    const p = path.join(dir, 'song.mp3');
    const id = c.putTrack(fileInfo(p), { title: 'Song', artist: 'Me', album: null, tags: ['house', 'deep'] }, a);
    const t = c.trackById(id)!;
    expect(bits(t.vector)).toEqual(bits(a.vector));
    expect(t).toMatchObject({ path: p, size: 1234, mtime_ms: 1700000000123.5, title: 'Song', artist: 'Me' });
    expect(t.tags).toEqual(['house', 'deep']);
    expect(t.tempo).toBe(a.tempo);
    expect(t.feature_version).toBe(FEATURE_VERSION);
    expect(t.ann_id).toBeNull();
    expect(c.trackByPath(p)!.id).toBe(id);
    expect(c.trackByHash('ab'.repeat(32))!.id).toBe(id);
    expect(c.trackByPath('/nope')).toBeUndefined();
    const segs = c.segmentsOfTrack(id);
    expect(segs).toHaveLength(3);
    segs.forEach((s, i) => expect(bits(s.vector)).toEqual(bits(a.segments[i].vector)));
    expect(() => c.putTrack(fileInfo('relative.mp3'), noTags, a)).toThrow(/absolute/);
    c.close();
  });

  it('re-put replaces the row in place with its segments; remove cascades', () => {
    const c = Catalog.open(dir);
    const r = rng(2);
    const p = path.join(dir, 'a.wav');
    c.recordFailure(p, 'was broken');
    const id = c.putTrack(fileInfo(p), noTags, analysis(r, 4));
    expect(c.failures()).toEqual([]); // a successful put clears an old failure
    const other = c.putTrack(fileInfo(path.join(dir, 'b.wav')), noTags, analysis(r, 2));
    expect(c.counts()).toMatchObject({ tracks: 2, segments: 6 });

    const b = analysis(r, 1);
    expect(c.putTrack({ ...fileInfo(p), hash: 'cd'.repeat(32) }, noTags, b)).toBe(id);
    expect(c.counts()).toMatchObject({ tracks: 2, segments: 3 });
    expect(bits(c.trackById(id)!.vector)).toEqual(bits(b.vector));
    expect(c.trackById(id)!.hash).toBe('cd'.repeat(32));
    expect(c.segmentsOfTrack(id)).toHaveLength(1);

    expect(c.removeTrack(id)).toBe(true);
    expect(c.removeTrack(id)).toBe(false);
    expect(c.counts()).toMatchObject({ tracks: 1, segments: 2 });
    expect(c.segmentsOfTrack(id)).toEqual([]);
    expect(c.trackById(other)).toBeDefined();
    c.close();
  });

  it('assigns dense ann ids in id order and resolves them', () => {
    const c = Catalog.open(dir);
    const r = rng(3);
    const ids = [0, 1, 2, 3].map((i) => c.putTrack(fileInfo(path.join(dir, `${i}.mp3`)), { ...noTags, title: `t${i}` }, analysis(r, 2)));
    c.removeTrack(ids[1]);
    expect(c.assignAnnIds()).toEqual({ tracks: 3, segments: 6 });
    expect([...c.trackVectors()].map((t) => t.ann_id)).toEqual([0, 1, 2]);
    expect([...c.segmentVectors()].map((s) => s.ann_id)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(c.trackByAnnId(1)!.id).toBe(ids[2]);
    expect(c.trackByAnnId(3)).toBeUndefined();
    const seg = c.segmentByAnnId(2)!;
    expect(seg.track_id).toBe(ids[2]);
    expect(seg.title).toBe('t2');
    expect(seg.path).toBe(path.join(dir, '2.mp3'));
    // A re-analysed track is out of the index until the next build.
    c.putTrack(fileInfo(path.join(dir, '0.mp3')), noTags, analysis(r, 1));
    expect(c.trackById(ids[0])!.ann_id).toBeNull();
    c.close();
  });

  it('keeps meta, info and failures', () => {
    const c = Catalog.open(dir);
    expect(c.info()).toEqual({ tracks: 0, segments: 0, feature_version: null, index: null, built_at: null });
    c.setMetas({ [META.featureVersion]: 'x1', [META.index]: 'annoy', [META.builtAt]: '2024-01-01T00:00:00.000Z' });
    c.setMeta(META.featureVersion, 'x2');
    expect(c.getMeta(META.featureVersion)).toBe('x2');
    expect(c.getMeta('missing')).toBeNull();
    c.putTrack(fileInfo(path.join(dir, 'x.mp3')), noTags, analysis(rng(4), 2));
    expect(c.info()).toEqual({ tracks: 1, segments: 2, feature_version: 'x2', index: 'annoy', built_at: '2024-01-01T00:00:00.000Z' });
    c.recordFailure('/a', 'one');
    c.recordFailure('/a', 'two');
    expect(c.failures()).toMatchObject([{ path: '/a', reason: 'two' }]);
    c.clearFailure('/a');
    expect(c.counts().failures).toBe(0);
    c.close();

    const ro = Catalog.open(dir, { readonly: true });
    expect(ro.info().tracks).toBe(1);
    expect(() => ro.setMeta('k', 'v')).toThrow();
    ro.close();
  });
});

describe('Annoy index', () => {
  const dim = 100;

  it('agrees with brute force at the default trees and searchK', () => {
    const r = rng(5);
    const items = Array.from({ length: 5000 }, () => randomVector(r, dim, true));
    const file = path.join(dir, 'tracks.ann');
    expect(buildAnnoyIndex(items, dim, file)).toBe(5000);
    const idx = openAnnoyIndex(file, dim);
    const ex = exactIndex(items, dim);
    expect(idx.size).toBe(5000);
    expect(idx.dim).toBe(dim);
    let hit = 0;
    const queries = Array.from({ length: 100 }, () => randomVector(r, dim, true));
    for (const q of queries) {
      const a = idx.query(q, 10);
      const e = ex.query(q, 10);
      expect(a.ids).toHaveLength(10);
      for (let i = 1; i < 10; i++) expect(a.distances[i]).toBeGreaterThanOrEqual(a.distances[i - 1]);
      const truth = new Map(e.ids.map((id, i) => [id, e.distances[i]]));
      a.ids.forEach((id, i) => {
        if (!truth.has(id)) return;
        hit++;
        expect(a.distances[i]).toBeCloseTo(truth.get(id)!, 4);
      });
    }
    expect(hit / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
    // An item finds itself at distance ~0.
    const self = idx.query(items[1234], 1);
    expect(self.ids[0]).toBe(1234);
    expect(self.distances[0]).toBeLessThan(1e-3);
    idx.close();
    expect(() => idx.query(items[0], 1)).toThrow(IndexError);
  });

  it('accepts Float32Array and plain arrays alike, clamps k, and guards input', () => {
    const r = rng(6);
    const items = Array.from({ length: 50 }, () => randomVector(r, dim, true));
    const file = path.join(dir, 'i.ann');
    buildAnnoyIndex(items, dim, file, { trees: 5 });
    const idx = openAnnoyIndex(file, dim);
    const q = randomVector(r, dim, true);
    const fromTyped = idx.query(q, 5);
    expect(fromTyped.ids).toHaveLength(5); // the addon would silently return undefined for a typed array
    expect(idx.query(Array.from(q), 5)).toEqual(fromTyped);
    expect(idx.query(q, 500).ids.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(idx.query(q, 0)).toEqual({ ids: [], distances: [] });
    expect(() => idx.query(q.subarray(1), 5)).toThrow(IndexError);
    expect(() => idx.query(new Float32Array(dim + 1), 5)).toThrow(/length 101, expected 100/);
    const bad = Float32Array.from(q);
    bad[7] = Number.NaN;
    expect(() => idx.query(bad, 5)).toThrow(/non-finite/);
    expect(() => idx.query(q, 1.5)).toThrow(IndexError);
    expect(() => idx.query(q, 5, Number.NaN)).toThrow(/searchK/);
    expect(new Set(idx.query(q, 5, 1).ids).size).toBe(5); // a tiny searchK still yields k distinct items
    idx.close();
    expect(() => buildAnnoyIndex([items[0], new Float32Array(dim - 1)], dim, path.join(dir, 'j.ann'))).toThrow(
      IndexError,
    );
    expect(() => buildAnnoyIndex([], dim, path.join(dir, 'k.ann'))).toThrow(/zero vectors/);
    expect(fs.readdirSync(dir)).toEqual(['i.ann']); // failed builds leave nothing behind
  });

  it('explains a missing, empty, truncated, foreign or wrong-dimension file', () => {
    const missing = path.join(dir, 'missing.ann');
    expect(() => openAnnoyIndex(missing, dim)).toThrow(IndexError);
    expect(() => openAnnoyIndex(missing, dim)).toThrow(`No index at ${missing}: run \`groovematch index <dir>\` first`);

    const r = rng(7);
    const file = path.join(dir, 'x.ann');
    buildAnnoyIndex(Array.from({ length: 300 }, () => randomVector(r, dim, true)), dim, file, { trees: 10 });
    const bytes = fs.readFileSync(file);
    const node = annoyNodeSize(dim);
    expect(bytes.length % node).toBe(0);

    const write = (name: string, b: Uint8Array): string => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, b);
      return p;
    };
    expect(() => openAnnoyIndex(write('empty.ann', new Uint8Array(0)), dim)).toThrow(/empty/);
    expect(() => openAnnoyIndex(write('cut.ann', bytes.subarray(0, bytes.length - 7)), dim)).toThrow(/truncated/);
    for (const drop of [1, 3, 40]) {
      const p = write(`cut${drop}.ann`, bytes.subarray(0, bytes.length - drop * node));
      expect(() => openAnnoyIndex(p, dim), `dropping ${drop} nodes`).toThrow(IndexError);
    }
    const noise = Buffer.alloc(node * 50);
    const rr = rng(8);
    for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(rr() * 256);
    expect(() => openAnnoyIndex(write('noise.ann', noise), dim)).toThrow(IndexError);
    // Wrong dimensions whose node size divides the file size still fail the structural checks.
    const divisors = [];
    for (let d = 1; d < 300; d++) if (d !== dim && bytes.length % annoyNodeSize(d) === 0) divisors.push(d);
    expect(divisors.length).toBeGreaterThan(0);
    for (const d of divisors) expect(() => openAnnoyIndex(file, d), `dim ${d}`).toThrow(IndexError);
    expect(() => openAnnoyIndex(file, 64)).toThrow(/64-dimensional/);
    const ok = openAnnoyIndex(file, dim);
    expect(ok.size).toBe(300);
    ok.close();
  });

  it('replaces the file atomically: no temp file, and an open reader keeps its old index', () => {
    const r = rng(9);
    const file = path.join(dir, 'seg.ann');
    const first = Array.from({ length: 100 }, () => randomVector(r, dim, true));
    buildAnnoyIndex(first, dim, file, { trees: 5 });
    const old = openAnnoyIndex(file, dim);
    buildAnnoyIndex(Array.from({ length: 200 }, () => randomVector(r, dim, true)), dim, file, { trees: 5 });
    expect(fs.readdirSync(dir)).toEqual(['seg.ann']);
    expect(old.size).toBe(100);
    expect(old.query(first[42], 1).ids).toEqual([42]);
    const fresh = openAnnoyIndex(file, dim);
    expect(fresh.size).toBe(200);
    old.close();
    fresh.close();
  });

  it('a single-item index works', () => {
    const file = path.join(dir, 'one.ann');
    const v = randomVector(rng(10), dim, true);
    buildAnnoyIndex([v], dim, file, { trees: 3 });
    const idx = openAnnoyIndex(file, dim);
    expect(idx.query(v, 10)).toMatchObject({ ids: [0] });
    idx.close();
  });
});

describe('exactIndex', () => {
  it('returns angular distances nearest first, from packed or separate vectors', () => {
    const r = rng(11);
    const vs = Array.from({ length: 30 }, () => randomVector(r, 8, true));
    const packed = new Float32Array(30 * 8);
    vs.forEach((v, i) => packed.set(v, i * 8));
    const q = randomVector(r, 8, true);
    const a = exactIndex(vs, 8).query(q, 30);
    expect(exactIndex(packed, 8).query(q, 30)).toEqual(a);
    const cos = vs.map((v) => v.reduce((s, x, i) => s + x * q[i], 0));
    const want = cos.map((c, id) => ({ id, d: Math.sqrt(Math.max(0, 2 - 2 * c)) })).sort((x, y) => x.d - y.d);
    expect(a.ids).toEqual(want.map((w) => w.id));
    a.distances.forEach((d, i) => expect(d).toBeCloseTo(want[i].d, 5));
    expect(exactIndex([], 8).query(q, 5)).toEqual({ ids: [], distances: [] });
    expect(() => exactIndex(new Float32Array(9), 8)).toThrow(IndexError);
  });
});

describe('scan and progress', () => {
  it('finds audio by extension, skipping hidden names', async () => {
    fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
    fs.mkdirSync(path.join(dir, '.hidden'));
    for (const f of ['a/x.MP3', 'a/b/y.flac', 'a/notes.txt', '.hidden/z.mp3', 'a/._x.mp3']) {
      fs.writeFileSync(path.join(dir, f), 'x');
    }
    const found = await scanAudio([dir]);
    expect(found.map((f) => path.relative(dir, f.path))).toEqual([path.join('a', 'b', 'y.flac'), path.join('a', 'x.MP3')]);
    expect(isUnder(path.join(dir, 'a', 'x.mp3'), [dir])).toBe(true);
    expect(isUnder(dir + 'x/y.mp3', [dir])).toBe(false);
  });

  it('draws in place on a TTY and prints lines otherwise', () => {
    const tty: string[] = [];
    const p = progressReporter({ isTTY: true, columns: 100, write: (s: string) => tty.push(s) > 0 });
    p.update({ done: 1, total: 2, file: '/music/a.mp3', etaS: 65 });
    p.update({ done: 2, total: 2, file: '/music/b.mp3', etaS: 0 });
    p.end();
    expect(tty[0]).toMatch(/^\r\[#+-+\] 1\/2 50% ETA 1m 05s \/music\/a\.mp3/);
    expect(tty[1]).toContain('2/2 100%');
    expect(tty[2]).toBe('\n');
    const plain: string[] = [];
    const q = progressReporter({ isTTY: false, write: (s: string) => plain.push(s) > 0 });
    for (let i = 1; i <= 100; i++) q.update({ done: i, total: 100, file: 'f', etaS: Number.NaN });
    expect(plain.length).toBeGreaterThan(5);
    expect(plain.length).toBeLessThanOrEqual(12);
    expect(plain.every((l) => !l.includes('\r'))).toBe(true);
    expect(plain.at(-1)).toBe('analysed 100/100 (100%), ETA --\n');
  });
});

describe('buildCatalog without decoding', () => {
  // Tracks put by hand with their real file stat are up to date, so the build only indexes them.
  function seed(data: string, music: string, n: number) {
    const c = Catalog.open(data);
    const r = rng(12);
    for (let i = 0; i < n; i++) {
      const p = path.join(music, `t${i}.wav`);
      fs.writeFileSync(p, `bytes ${i}`);
      const st = fs.statSync(p);
      const hash = createHash('sha256').update(`bytes ${i}`).digest('hex');
      c.putTrack({ path: p, size: st.size, mtime_ms: st.mtimeMs, hash }, noTags, analysis(r, 2));
    }
    c.close();
  }

  it('refuses to run while another index run holds the folder, and takes over a lock left by a dead one', async () => {
    const data = path.join(dir, 'data');
    const music = path.join(dir, 'music');
    fs.mkdirSync(music);
    seed(data, music, 3);
    const lock = path.join(data, LOCK_FILE);
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      fs.writeFileSync(lock, `${sleeper.pid}\n`);
      await expect(buildCatalog({ dirs: [music], dataDir: data, workers: 1 })).rejects.toThrow(LockError);
      await expect(buildCatalog({ dirs: [music], dataDir: data, workers: 1 })).rejects.toThrow(`pid ${sleeper.pid}`);
      expect(fs.existsSync(path.join(data, 'tracks.ann'))).toBe(false);
      expect(fs.readFileSync(lock, 'utf8')).toBe(`${sleeper.pid}\n`);
    } finally {
      sleeper.kill('SIGKILL');
    }
    await new Promise((resolve) => sleeper.once('exit', resolve));
    const s = await buildCatalog({ dirs: [music], dataDir: data, workers: 1 });
    expect(s).toMatchObject({ skipped: 3, tracks: 3 });
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('indexes, then notices touched, copied and vanished files', async () => {
    const data = path.join(dir, 'data');
    const music = path.join(dir, 'music');
    fs.mkdirSync(music);
    seed(data, music, 5);

    const lines: string[] = [];
    const s1 = await buildCatalog({ dirs: [music], dataDir: data, workers: 1, log: (l) => lines.push(l) });
    expect(s1).toMatchObject({ added: 0, updated: 0, skipped: 5, removed: 0, failed: [], tracks: 5, segments: 10 });
    expect(formatSummary(s1)).toContain('5 tracks, 10 segments');
    const idx = openAnnoyIndex(path.join(data, 'tracks.ann'), VECTOR_LENGTH);
    expect(idx.size).toBe(5);
    idx.close();
    const seg = openAnnoyIndex(path.join(data, 'segments.ann'), VECTOR_LENGTH);
    expect(seg.size).toBe(10);
    seg.close();
    const c = Catalog.open(data, { readonly: true });
    expect(c.info()).toMatchObject({ tracks: 5, segments: 10, feature_version: FEATURE_VERSION, index: 'annoy' });
    expect(JSON.parse(c.getMeta(META.trackStats)!).mean).toHaveLength(VECTOR_LENGTH);
    c.close();

    fs.utimesSync(path.join(music, 't0.wav'), new Date(), new Date(Date.now() + 5000)); // same bytes
    fs.copyFileSync(path.join(music, 't1.wav'), path.join(music, 'copy.wav')); // known bytes, new path
    fs.rmSync(path.join(music, 't2.wav'));
    const s2 = await buildCatalog({ dirs: [music], dataDir: data, workers: 1, prune: true });
    expect(s2).toMatchObject({ added: 1, updated: 1, skipped: 3, removed: 1, failed: [], tracks: 5, audio_hours: 0 });
    const c2 = Catalog.open(data, { readonly: true });
    const copy = c2.trackByPath(path.join(music, 'copy.wav'))!;
    expect(bits(copy.vector)).toEqual(bits(c2.trackByPath(path.join(music, 't1.wav'))!.vector));
    expect(copy.title).toBe('copy');
    expect([...c2.trackVectors()].map((t) => t.ann_id)).toEqual([0, 1, 2, 3, 4]);
    c2.close();
  });

  it('an empty directory gives an empty catalogue and no index files', async () => {
    const data = path.join(dir, 'data');
    const s = await buildCatalog({ dirs: [dir], dataDir: data });
    expect(s).toMatchObject({ tracks: 0, segments: 0, added: 0 });
    expect(fs.existsSync(path.join(data, 'tracks.ann'))).toBe(false);
    await expect(buildCatalog({ dirs: [path.join(dir, 'nope')], dataDir: data })).rejects.toThrow(/Not a directory/);
  });
});

/** 16-bit mono WAV of a kick on each beat and a hat on the off-beats. */
function clickWav(file: string, bpm: number, seconds: number, seed: number): void {
  const rate = 22050;
  const r = rng(seed);
  const x = new Float32Array(rate * seconds);
  const beat = 60 / bpm;
  for (let i = 0; i < x.length; i++) {
    const t = i / rate;
    const sinceBeat = t % beat;
    const sinceHalf = t % (beat / 2);
    const v = Math.exp(-sinceBeat * 30) * Math.sin(2 * Math.PI * 60 * sinceBeat) * 0.8 + Math.exp(-sinceHalf * 80) * (r() - 0.5) * 0.4;
    x[i] = Math.max(-1, Math.min(1, v));
  }
  fs.writeFileSync(file, encodeWav(x, rate));
}

describe('buildCatalog end to end', () => {
  it('analyses audio in the pool, records bad files, and re-indexes on a feature version change', async () => {
    const music = path.join(dir, 'music');
    const data = path.join(dir, 'data');
    fs.mkdirSync(path.join(music, 'sub'), { recursive: true });
    const bpms = [90, 120, 128, 170];
    bpms.forEach((b, i) => clickWav(path.join(music, i % 2 ? 'sub' : '', `click${b}.wav`), b, 25, i));
    fs.writeFileSync(path.join(music, 'junk.mp3'), 'not audio at all '.repeat(100));
    fs.writeFileSync(path.join(music, 'empty.wav'), '');

    const progress: number[] = [];
    const s = await buildCatalog({ dirs: [music], dataDir: data, workers: 2, onProgress: (p) => progress.push(p.done) });
    expect(s).toMatchObject({ added: 4, updated: 0, skipped: 0, removed: 0, tracks: 4 });
    expect(s.failed.map((f) => path.basename(f.path)).sort()).toEqual(['empty.wav', 'junk.mp3']);
    expect(s.segments).toBeGreaterThanOrEqual(4 * 3);
    expect(s.audio_hours).toBeCloseTo((4 * 25) / 3600, 2);
    expect(s.realtime_factor).toBeGreaterThan(0);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    expect(formatSummary(s)).toMatch(/failures:\n.*(junk|empty)/);

    const c = Catalog.open(data);
    expect(c.failures().map((f) => path.basename(f.path)).sort()).toEqual(['empty.wav', 'junk.mp3']);
    const t = c.trackByPath(path.join(music, 'sub', 'click120.wav'))!;
    expect(t.title).toBe('click120');
    expect(t.duration_s).toBeCloseTo(25, 0);
    const idx = openAnnoyIndex(path.join(data, 'tracks.ann'), VECTOR_LENGTH);
    expect(idx.size).toBe(4);
    idx.close();

    // Pretend the catalogue came from older features: everything is analysed again.
    c.db.prepare("UPDATE tracks SET feature_version = 'old'").run();
    c.setMeta(META.featureVersion, 'old');
    c.close();
    const lines: string[] = [];
    const again = await buildCatalog({ dirs: [music], dataDir: data, workers: 2, log: (l) => lines.push(l) });
    expect(again).toMatchObject({ added: 0, updated: 4, skipped: 0, tracks: 4 });
    expect(lines.join('\n')).toMatch(/re-analysed/);
    const c2 = Catalog.open(data, { readonly: true });
    expect(c2.info().feature_version).toBe(FEATURE_VERSION);
    expect(c2.trackByPath(path.join(music, 'sub', 'click120.wav'))!.id).toBe(t.id);
    c2.close();

    const third = await buildCatalog({ dirs: [music], dataDir: data, workers: 2 });
    expect(third).toMatchObject({ added: 0, updated: 0, skipped: 4, audio_hours: 0 });
    expect(third.failed).toHaveLength(2); // bad files are retried, and fail again
  });
});
