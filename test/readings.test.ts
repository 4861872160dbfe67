import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../src/catalog/build.js';
import { finalVector } from '../src/features/standardise.js';
import { BLOCKS, describe as describeAudio } from '../src/features/vector.js';
import { openCatalogView, type CatalogView } from '../src/recommend/catalog-view.js';
import { MODES } from '../src/recommend/modes.js';
import { recommendFrom } from '../src/recommend/query.js';
import { ALT_VIEW_PENALTY, similarityFromCosine } from '../src/recommend/similarity.js';
import { renderGroove } from '../src/synth/index.js';
import { encodeWav } from '../src/synth/wav.js';

const SR = 22050;
const groove = (style: string, bpm: number, kit: string, patternVariant = 0) =>
  renderGroove({ style, bpm, kit, seconds: 12, seed: 5, sampleRate: SR, patternVariant });

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

let dir: string;
let view: CatalogView;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-readings-'));
  const music = path.join(dir, 'music');
  fs.mkdirSync(music);
  for (const [style, bpm] of [['rock', 150], ['samba', 175], ['house', 124], ['waltz', 120], ['funk', 100], ['reggaeton', 95]] as const) {
    fs.writeFileSync(path.join(music, `${style}-${bpm}.wav`), encodeWav(groove(style, bpm, 'acoustic').samples, SR));
  }
  // Read at 68 on this kit; the same groove on the bright kit reads at 102 (3:2).
  fs.writeFileSync(path.join(music, 'one-drop-68.wav'), encodeWav(groove('reggae-one-drop', 68, 'acoustic', 1).samples, SR));
  await buildCatalog({ dirs: [music], dataDir: path.join(dir, 'data'), workers: 1 });
  view = openCatalogView(path.join(dir, 'data'));
}, 60_000);
afterAll(() => {
  view?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("an upload's second reading, an octave away", () => {
  it('finds the groove played a little slower when the upload is read at half time', () => {
    // Rock at 170 folds to an 85 BPM beat; the catalogue's rock at 150 keeps its 150 BPM beat.
    const upload = describeAudio(groove('rock', 170, 'bright').samples, SR, { alt: true });
    expect(upload.alt_factor).toBe(2);
    const withAlt = recommendFrom(view, upload, { k: 7 });
    const without = recommendFrom(view, { ...upload, alt_vector: undefined, ternary: undefined }, { k: 7 });
    const rock = (r: typeof withAlt) => r.best.find((t) => t.path.endsWith('rock-150.wav'))!;
    expect(withAlt.best[0].path).toMatch(/rock-150\.wav$/);
    // Without it the half-time reading ranks the same groove among the least similar.
    expect(without.best.findIndex((t) => t.path.endsWith('rock-150.wav'))).toBeGreaterThan(2);
    expect(rock(withAlt).similarity).toBeGreaterThan(rock(without).similarity + 0.05);
    expect(rock(withAlt).reading).toBe('double time');
    expect(without.best.every((t) => t.reading === 'as measured')).toBe(true);
    // The list still descends, and its first score is the upload's own similarity to that track: the
    // double-time reading's cosine less its penalty (query expansion keeps the best track's scale).
    expect(withAlt.best.map((t) => t.similarity)).toEqual([...withAlt.best.map((t) => t.similarity)].sort((a, b) => b - a));
    const f = (v: Float32Array) => finalVector(v, view.trackStats, BLOCKS, view.weights);
    const track = view.catalog.trackById(withAlt.best[0].id)!;
    const cos = dot(f(upload.alt_vector!), f(track.vector)) - ALT_VIEW_PENALTY;
    expect(withAlt.best[0].similarity).toBeCloseTo(similarityFromCosine(cos), 3);
  });

  it('finds the groove played faster when the upload is read at full time, through its half-time reading', () => {
    // Samba at 150 keeps a 150 BPM beat; the catalogue's samba at 175 folds to 87.5.
    const upload = describeAudio(groove('samba', 150, 'bright').samples, SR, { alt: true });
    expect(upload.alt_factor).toBe(0.5);
    const withAlt = recommendFrom(view, upload, { k: 7 });
    const without = recommendFrom(view, { ...upload, alt_vector: undefined, alt_factor: undefined, ternary: undefined }, { k: 7 });
    const samba = (r: typeof withAlt) => r.best.find((t) => t.path.endsWith('samba-175.wav'))!;
    expect(withAlt.best[0].path).toMatch(/samba-175\.wav$/);
    expect(without.best.findIndex((t) => t.path.endsWith('samba-175.wav'))).toBeGreaterThan(2);
    expect(samba(withAlt).reading).toBe('half time');
    expect(samba(withAlt).similarity).toBeGreaterThan(samba(without).similarity + 0.05);
  });
});

describe("an upload's readings a factor of three away", () => {
  it('finds a one-drop whose beat the upload reads at 3:2', () => {
    const upload = describeAudio(groove('reggae-one-drop', 68, 'bright', 1).samples, SR, { alt: true });
    // The estimator hears the bright kit's one-drop at 102, not 68.
    expect(upload.tempo).toBeGreaterThan(98);
    expect(upload.ternary?.map((t) => t.factor.toFixed(3)).sort()).toEqual(['1.333', '1.500']);
    const withAll = recommendFrom(view, upload, { k: 7 });
    const octaveOnly = recommendFrom(view, { ...upload, ternary: undefined }, { k: 7 });
    const at = (r: typeof withAll) => r.best.findIndex((t) => t.path.endsWith('one-drop-68.wav'));
    expect(at(withAll)).toBe(0);
    expect(withAll.best[0].reading).toBe('4:3 time');
    expect(at(octaveOnly)).toBeGreaterThan(0);
    expect(withAll.best[0].similarity).toBeGreaterThan(octaveOnly.best[at(octaveOnly)].similarity + 0.05);
    expect(withAll.best.map((t) => t.similarity)).toEqual([...withAll.best.map((t) => t.similarity)].sort((a, b) => b - a));
  });
});

describe('the nearest match at the upload tempo first', () => {
  it('places it first with its own similarity, marked, only where the exact tempo counts', () => {
    // Disco at 124 on the bright kit resembles the rock groove at 150 most, the house groove at 124 next.
    const upload = describeAudio(groove('disco', 124, 'bright').samples, SR, { alt: true });
    const name = (t: { path: string }) => path.basename(t.path);
    const f = (v: Float32Array) => finalVector(v, view.trackStats, BLOCKS, view.weights);
    const own = (id: number) => dot(f(upload.vector), f(view.catalog.trackById(id)!.vector));
    const result = recommendFrom(view, upload, { k: 7 });
    expect(result.best.slice(0, 2).map(name)).toEqual(['house-124.wav', 'rock-150.wav']);
    expect(result.best[0].placed_first).toBe('same tempo');
    expect(result.best.slice(1).some((t) => t.placed_first)).toBe(false);
    expect(own(result.best[1].id)).toBeGreaterThan(own(result.best[0].id));
    expect(result.best[0].similarity).toBeCloseTo(similarityFromCosine(own(result.best[0].id)), 3);
    expect(result.ranking?.same_tempo_first).toBe(true);
    // 1 % off the tempo, in the pattern mode (which ignores the exact tempo) or turned off, the rock groove is first.
    const off = recommendFrom(view, upload, { k: 7, same_tempo_first: false });
    expect(off.ranking?.same_tempo_first).toBe(false);
    for (const other of [
      off,
      recommendFrom(view, { ...upload, tempo: upload.tempo * 1.01 }, { k: 7 }),
      recommendFrom(view, upload, { k: 7, weights: MODES.pattern, mode: 'pattern' }),
    ]) {
      expect(name(other.best[0])).toBe('rock-150.wav');
      expect(other.best.some((t) => t.placed_first)).toBe(false);
    }
    // A track that is no match (cosine below 0.5) is not placed first, whatever its tempo.
    const waltz = view.catalog.trackById(result.best.find((t) => name(t) === 'waltz-120.wav')?.id ?? result.worst.find((t) => name(t) === 'waltz-120.wav')!.id)!;
    expect(own(waltz.id)).toBeLessThan(0.5);
    const far = recommendFrom(view, { ...upload, tempo: waltz.tempo }, { k: 7 });
    expect(name(far.best[0])).toBe('rock-150.wav');
    expect(far.best.some((t) => t.placed_first)).toBe(false);
  });
});
