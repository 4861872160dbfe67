import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/catalog/build.js';
import { Catalog, META } from '../../src/catalog/store.js';
import type { Analysis } from '../../src/features/types.js';
import { encodeWav } from '../../src/synth/index.js';
import { buildFixture, groove, wavOf, type Fixture } from '../helpers/fixtures.js';
import { startServing, type Serving } from './harness.js';

let fx: Fixture;
let srv: Serving;
const logs: { level: string; msg: string; obj: object }[] = [];
const log = {
  info: (obj: object, msg: string) => logs.push({ level: 'info', msg, obj }),
  warn: (obj: object, msg: string) => logs.push({ level: 'warn', msg, obj }),
  error: (obj: object, msg: string) => logs.push({ level: 'error', msg, obj }),
};

beforeAll(async () => {
  fx = await buildFixture('acoustic', ['rock', 'funk', 'house']);
  srv = await startServing(fx.dataDir, path.join(fx.dir, 'uploads'), { watchMs: 100, log });
});

afterAll(async () => {
  await srv?.close();
  fx?.cleanup();
});

async function upload(bytes: Uint8Array): Promise<{ status: number; body: { best: { path: string }[] } }> {
  const form = new FormData();
  form.append('file', new Blob([bytes as BlobPart]), 'q.wav');
  const res = await fetch(`${srv.base}/api/recommend`, { method: 'POST', body: form });
  return { status: res.status, body: (await res.json()) as { best: { path: string }[] } };
}

async function tracksServed(): Promise<number> {
  return ((await (await fetch(`${srv.base}/healthz`)).json()) as { tracks: number }).tracks;
}

async function until(cond: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

function addTrack(style: string): string {
  const g = groove(style, 'acoustic');
  const file = path.join(fx.audioDir, `${style}.wav`);
  fs.writeFileSync(file, encodeWav(g.samples, g.sampleRate));
  return file;
}

describe('following the catalogue while serving', () => {
  it('keeps answering from a pinned snapshot while a build rewrites the store', async () => {
    const analysis: Analysis = await srv.rec.analyseFile(fx.tracks.get('funk')!);
    const before = srv.rec.recommend(analysis, { k: 3 });
    // What a build does before its index files are ready: rows go and come, ann ids are renumbered.
    const w = Catalog.open(fx.dataDir);
    const rock = w.trackByPath(fx.tracks.get('rock')!)!;
    w.removeTrack(rock.id);
    w.assignAnnIds();
    w.close();
    expect(srv.rec.recommend(analysis, { k: 3 })).toEqual(before);
    expect(srv.rec.trackAudioPath(rock.id)).toBe(fx.tracks.get('rock'));
    expect(srv.rec.reload('test')).toBe(false); // built_at unchanged: nothing to switch to
  });

  it('switches to a finished build without dropping requests', async () => {
    const served = await tracksServed();
    addTrack('waltz');
    addTrack('bossa-nova');
    let stop = false;
    const statuses: number[] = [];
    const traffic = (async () => {
      while (!stop) statuses.push((await upload(wavOf('house', 'electronic808'))).status);
    })();
    await buildCatalog({ dirs: [fx.audioDir], dataDir: fx.dataDir, workers: 1 });
    const switched = await until(async () => (await tracksServed()) === 5);
    stop = true;
    await traffic;
    expect(served).toBe(3);
    expect(switched).toBe(true);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(logs.some((l) => l.msg === 'switched to the new catalogue')).toBe(true);
    const r = await upload(wavOf('waltz', 'electronic808'));
    expect(r.body.best[0].path).toBe(path.join(fx.audioDir, 'waltz.wav'));
  });

  it('finishes a request that is being analysed across a switch', async () => {
    const pending = upload(wavOf('rock', 'electronic808'));
    await new Promise((r) => setTimeout(r, 20));
    // SIGHUP forces a reopen even when nothing changed.
    expect(srv.rec.reload('SIGHUP', true)).toBe(true);
    expect((await pending).status).toBe(200);
  });

  it('does not switch while a build is writing its index', async () => {
    const w = Catalog.open(fx.dataDir);
    w.setMeta(META.indexPending, new Date().toISOString());
    w.setMeta(META.builtAt, new Date().toISOString());
    expect(srv.rec.reload('SIGHUP', true)).toBe(false);
    expect(logs.at(-1)).toMatchObject({ level: 'warn', msg: expect.stringMatching(/index build is writing/) });
    w.deleteMeta(META.indexPending);
    w.close();
    expect(srv.rec.reload('test')).toBe(true);
  });

  it('keeps serving the old index when the new one is damaged, and says so once', async () => {
    const ann = path.join(fx.dataDir, 'segments.ann');
    const whole = fs.readFileSync(ann);
    fs.writeFileSync(ann, whole.subarray(0, whole.length - 100));
    const w = Catalog.open(fx.dataDir);
    w.setMeta(META.builtAt, new Date().toISOString());
    w.close();
    const errorsBefore = logs.filter((l) => l.level === 'error').length;
    await new Promise((r) => setTimeout(r, 400)); // several watch ticks
    const errors = logs.filter((l) => l.level === 'error').slice(errorsBefore);
    expect(errors).toHaveLength(1);
    expect(errors[0].msg).toMatch(/still serving the old one/);
    expect(JSON.stringify(errors[0].obj)).toMatch(/segments\.ann.*truncated/);
    expect((await upload(wavOf('funk', 'electronic808'))).status).toBe(200);
    expect(await tracksServed()).toBe(5);

    fs.writeFileSync(ann, whole);
    const w2 = Catalog.open(fx.dataDir);
    w2.setMeta(META.builtAt, new Date().toISOString());
    w2.close();
    expect(await until(async () => logs.at(-1)?.msg === 'switched to the new catalogue')).toBe(true);
  });
});
