import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecommender } from '../src/recommend/query.js';
import type { Recommender } from '../src/recommend/types.js';
import { createApp, type WebApp } from '../src/web/app.js';
import { buildFixture, mp3Of, wavOf, type Fixture } from './helpers/fixtures.js';

let fx: Fixture;
let rec: Recommender;
let web: WebApp;
let server: Server;
let base: string;
let uploadsDir: string;

beforeAll(async () => {
  fx = await buildFixture('acoustic');
  uploadsDir = path.join(fx.dir, 'uploads');
  rec = createRecommender(fx.dataDir, { workers: 2 });
  web = createApp({ recommender: rec, uploadsDir });
  server = web.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  web?.close();
  await rec?.close();
  fx?.cleanup();
});

async function upload(bytes: Uint8Array | null, name = 'song.wav', route = '/api/recommend', k?: number) {
  const form = new FormData();
  if (k) form.append('k', String(k));
  if (bytes) form.append('file', new Blob([Buffer.from(bytes)]), name);
  const res = await fetch(base + route, { method: 'POST', body: form });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

async function uploadsEmpty(): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    if (fs.readdirSync(uploadsDir).length === 0) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe('the real server with a real catalogue', () => {
  for (const [label, make] of [['WAV', wavOf], ['MP3', mp3Of]] as const) {
    it(`a groove uploaded as ${label} on another kit finds its catalogue twin first`, async () => {
      for (const style of ['funk', 'reggae-one-drop']) {
        const r = await upload(make(style, 'electronic808'), `${style}.${label.toLowerCase()}`);
        expect(r.status).toBe(200);
        const body = r.json();
        expect(body.best[0].path).toBe(fx.tracks.get(style));
        expect(body.best[0].similarity).toBeGreaterThan(body.worst[0].similarity);
        for (const t of [...body.best, ...body.worst]) expect(t.similarity).toBeGreaterThanOrEqual(0);
        expect(body.segments.length).toBeGreaterThan(0);
        // Uploads are cut more finely than the catalogue (1 s hop for a short upload) so offsets can be found.
        expect(body.segments.some((x: { query_start_s: number }) => x.query_start_s % 5 !== 0)).toBe(true);
        const csv = await fetch(base + body.csv_url);
        expect(csv.status).toBe(200);
        expect((await csv.text()).split('\n')[0]).toBe(
          'query_start_s,query_end_s,track_id,title,path,match_start_s,match_end_s,similarity,cluster,offset_s,rank',
        );
      }
      expect(await uploadsEmpty()).toBe(true);
    });
  }

  it('an upload identical to a catalogue track is left out of its own results, and says so', async () => {
    const bytes = fs.readFileSync(fx.tracks.get('rock')!);
    const body = (await upload(bytes, 'rock.wav')).json();
    expect(body.excluded_track.path).toBe(fx.tracks.get('rock'));
    expect(body.best.map((t: { path: string }) => t.path)).not.toContain(fx.tracks.get('rock'));
    const page = await upload(bytes, 'rock.wav', '/predict');
    expect(page.text).toMatch(/identical/i);
  });

  it('worst matches are the least similar of the whole catalogue', async () => {
    const body = (await upload(wavOf('house', 'electronic808'), 'h.wav', '/api/recommend')).json();
    const all = (await upload(wavOf('house', 'electronic808'), 'h.wav', '/api/recommend', 6)).json();
    expect(body.worst[0].id).toBe(all.best[all.best.length - 1].id);
  });

  it('bad uploads get a clear 4xx, nothing is left in uploads/ and the server stays up', async () => {
    const mp3 = mp3Of('rock', 'electronic808');
    const cases: [Uint8Array | null, number, RegExp][] = [
      [null, 400, /no file/i],
      [new Uint8Array(0), 400, /empty/i],
      [Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251), 415, /audio/i],
      [mp3.slice(0, 1200), 400, /short|long|decod|damaged|truncated/i],
    ];
    for (const [bytes, status, message] of cases) {
      const r = await upload(bytes, 'x.mp3');
      expect(r.status, r.text).toBe(status);
      expect(r.json().error).toMatch(message);
      expect(r.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
    }
    expect(await uploadsEmpty()).toBe(true);
    expect((await fetch(base + '/healthz')).status).toBe(200);
  });

  it('the results page shows best and worst lists with players and a CSV link', async () => {
    const r = await upload(wavOf('bossa-nova', 'electronic808'), '<b>bossa</b>.wav', '/predict');
    expect(r.status).toBe(200);
    expect(r.text).toContain('&lt;b&gt;bossa&lt;/b&gt;.wav');
    expect((r.text.match(/<audio/g) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(r.text).toMatch(/href="\/results\/[\w-]+\/segments\.csv"/);
  });

  it('ranks by another mode on request, exactly, and refuses an unknown mode or block', async () => {
    const form = (fields: Record<string, string>) => {
      const f = new FormData();
      f.append('file', new Blob([Buffer.from(wavOf('funk', 'electronic808'))]), 'funk.wav');
      for (const [k, v] of Object.entries(fields)) f.append(k, v);
      return f;
    };
    const ok = await fetch(base + '/api/recommend', { method: 'POST', body: form({ mode: 'pattern' }) });
    const body = await ok.json();
    expect(body.ranking).toMatchObject({ mode: 'pattern', search: 'exact' });
    expect(body.best.length).toBe(5);
    const timbre = await (await fetch(base + '/api/recommend', { method: 'POST', body: form({ mode: 'timbre' }) })).json();
    expect(timbre.best.map((t: { id: number }) => t.id)).not.toEqual(body.best.map((t: { id: number }) => t.id));
    const bad: Record<string, string>[] = [{ mode: 'disco' }, { weights: 'groove=1' }, { weights: 'tempo=-1' }];
    for (const fields of bad) {
      const r = await fetch(base + '/api/recommend', { method: 'POST', body: form(fields) });
      expect(r.status).toBe(400);
      expect((await r.json()).error).toMatch(/mode|block|weight/i);
    }
    expect(await uploadsEmpty()).toBe(true);
  });

  it('serves catalogue audio with Range', async () => {
    const body = (await upload(wavOf('waltz', 'electronic808'), 'w.wav')).json();
    const res = await fetch(base + body.best[0].audio_url, { headers: { Range: 'bytes=0-43' } });
    expect(res.status).toBe(206);
    expect(Buffer.from(await res.arrayBuffer()).subarray(0, 4).toString()).toBe('RIFF');
  });
});
