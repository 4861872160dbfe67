import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog, formatSummary } from '../../src/catalog/build.js';
import { Catalog } from '../../src/catalog/store.js';
import { clickTrack } from './harness.js';

let dir: string;
let music: string;
let data: string;
const file = (n: string) => path.join(music, n);
const paths = () => {
  const c = Catalog.open(data, { readonly: true });
  try {
    return c.trackFiles().map((t) => path.basename(t.path)).sort();
  } finally {
    c.close();
  }
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-prune-'));
  music = path.join(dir, 'music');
  data = path.join(dir, 'data');
  fs.mkdirSync(path.join(music, 'sub'), { recursive: true });
  ['a', 'b', 'c', 'd'].forEach((n, i) => fs.writeFileSync(file(`${n}.wav`), clickTrack(90 + 13 * i, i + 1, 4)));
  await buildCatalog({ dirs: [music], dataDir: data, workers: 1 });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('incremental index: unchanged, changed, vanished, moved', () => {
  it('skips unchanged files and re-analyses changed ones', async () => {
    fs.writeFileSync(file('b.wav'), clickTrack(150, 42, 4)); // new bytes
    const s = await buildCatalog({ dirs: [music], dataDir: data, workers: 1 });
    expect(s).toMatchObject({ added: 0, updated: 1, skipped: 3, removed: 0, missing: 0 });
    expect(s.audio_hours).toBeGreaterThan(0);
  });

  it('keeps a vanished file unless pruning, and says so', async () => {
    fs.rmSync(file('c.wav'));
    const kept = await buildCatalog({ dirs: [music], dataDir: data, workers: 1 });
    expect(kept).toMatchObject({ removed: 0, missing: 1, tracks: 4 });
    expect(formatSummary(kept)).toContain('missing 1: files gone from the scanned folders, kept in the catalogue; --prune removes them');
    expect(paths()).toContain('c.wav');
    const pruned = await buildCatalog({ dirs: [music], dataDir: data, workers: 1, prune: true });
    expect(pruned).toMatchObject({ removed: 1, missing: 0, tracks: 3 });
    expect(paths()).toEqual(['a.wav', 'b.wav', 'd.wav']);
  });

  it('drops the old path of a moved file without pruning and without re-analysis', async () => {
    fs.renameSync(file('d.wav'), file('sub/d-moved.wav'));
    const s = await buildCatalog({ dirs: [music], dataDir: data, workers: 1 });
    expect(s).toMatchObject({ added: 1, removed: 1, missing: 0, tracks: 3, audio_hours: 0 });
    expect(paths()).toEqual(['a.wav', 'b.wav', 'd-moved.wav']);
  });
});
