import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AudioError } from '../src/audio/errors.js';
import { CSV_COLUMNS } from '../src/recommend/csv.js';
import type { Analysis } from '../src/features/types.js';
import type { CatalogInfo, Reading, RecommendOptions, RecommendResult, Recommender } from '../src/recommend/types.js';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createApp, formatTime } from '../src/web/index.js';

// ---------- local helpers ----------

/** A valid 16-bit mono PCM WAV: RIFF/WAVE header + a sine. */
function wavBytes(seconds = 1, rate = 22_050): Uint8Array {
  const n = Math.round(seconds * rate);
  const buf = Buffer.alloc(44 + n * 2);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + n * 2, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) buf.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return new Uint8Array(buf);
}

/** Deterministic junk with no byte >= 0x80 (so no MPEG/ADTS sync word can appear) and no known magic. */
function junkBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = (x >>> 16) & 0x7f;
  }
  out.set(new TextEncoder().encode('junk'), 0);
  return out;
}

const ANALYSIS: Analysis = {
  feature_version: 'test-1',
  duration_s: 95.4,
  tempo: 121.37,
  tempo_confidence: 0.82,
  vector: new Float32Array(8),
  segments: [],
};

function resultFor(k: number): RecommendResult {
  const track = (id: number, sim: number, title: string, reading: Reading = 'as measured') => ({
    id, path: `/music/${title}.wav`, title, artist: 'Test Artist', similarity: sim, reading, tempo: 100 + id,
    tags: ['funk', 'test'], audio_url: `/tracks/${id}/audio`,
  });
  return {
    query: { tempo: ANALYSIS.tempo, tempo_confidence: ANALYSIS.tempo_confidence, duration_s: ANALYSIS.duration_s },
    best: [{ ...track(1, 0.93, 'Best Groove', '3:2 time'), placed_first: 'same tempo' as const }, track(3, 0.71, 'Second Best', 'double time')].slice(0, k),
    worst: [track(4, 0.08, 'Worst Groove'), track(5, 0.2, 'Almost Worst', 'half time')].slice(0, k),
    segments: [
      { query_start_s: 0, query_end_s: 10, track_id: 1, title: 'Best Groove', path: '/music/Best Groove.wav', match_start_s: 65, match_end_s: 75, similarity: 0.9, cluster: 0, offset_s: 65, rank: 1 },
      { query_start_s: 5, query_end_s: 15, track_id: 3, title: 'Second, "quoted"', path: '/music/s.wav', match_start_s: 20.5, match_end_s: 30.5, similarity: 0.75, cluster: 1, offset_s: 15.5, rank: 1 },
    ],
    alignments: [
      { track_id: 1, title: 'Best Groove', path: '/music/Best Groove.wav', offset_s: 64.9, query_start_s: 0, query_end_s: 20, match_start_s: 64.9, match_end_s: 84.9, windows: 5, of: 6, similarity: 0.91, print_correlation: 0.934 },
    ],
    excluded_track: { id: 9, path: '/music/twin.wav', title: 'Twin Track' },
  };
}

type Mode = 'ok' | 'too_short' | 'generic' | 'busy' | 'slow';

class FakeRecommender implements Recommender {
  mode: Mode = 'ok';
  analysed: string[] = [];
  signals: (AbortSignal | undefined)[] = [];
  recommendOpts: RecommendOptions[] = [];
  slowRelease: (() => void) | null = null;
  constructor(private readonly audioPath: string, private readonly missingPath: string) {}

  async analyseFile(p: string, call?: { signal?: AbortSignal }): Promise<Analysis> {
    // The upload must exist while it is analysed.
    if (!statSync(p).isFile()) throw new Error('not a file');
    this.analysed.push(p);
    this.signals.push(call?.signal);
    if (this.mode === 'too_short') throw new AudioError('too_short', 'Audio is shorter than 1 s.');
    if (this.mode === 'generic') throw new Error('secret internal detail /etc/passwd');
    if (this.mode === 'busy') throw Object.assign(new Error('queue full'), { code: 'busy', status: 503 });
    if (this.mode === 'slow') await new Promise<void>((r) => { this.slowRelease = r; });
    return ANALYSIS;
  }
  recommend(_a: Analysis, opts?: RecommendOptions): RecommendResult {
    this.recommendOpts.push(opts ?? {});
    return resultFor(opts?.k ?? 5);
  }
  trackAudioPath(id: number): string | null {
    if (id === 1) return this.audioPath;
    if (id === 2) return this.missingPath;
    return null;
  }
  info(): CatalogInfo {
    return { tracks: 42, segments: 1234, feature_version: 'test-1', index: 'exact', built_at: null };
  }
  async close(): Promise<void> {}
}

// ---------- fixtures ----------

const root = mkdtempSync(path.join(os.tmpdir(), 'gm-web-'));
const uploadsDir = path.join(root, 'a', 'b', 'uploads');
const audioPath = path.join(root, 'track1.wav');
const audioBytes = wavBytes(0.5);
writeFileSync(audioPath, audioBytes);
const fake = new FakeRecommender(audioPath, path.join(root, 'gone.wav'));

interface Running { base: string; server: http.Server; close(): void }
async function start(opts: Partial<Parameters<typeof createApp>[0]> = {}, rec: Recommender = fake): Promise<Running> {
  const web = createApp({ recommender: rec, uploadsDir, maxUploadBytes: 1024 * 1024, rateLimit: false, ...opts });
  const server = web.app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, server, close: () => { web.close(); server.close(); } };
}

let main: Running;
beforeAll(async () => { main = await start(); });
afterAll(() => { main.close(); rmSync(root, { recursive: true, force: true }); });
afterEach(async () => {
  fake.mode = 'ok';
  await expectUploadsEmpty();
});

async function expectUploadsEmpty(): Promise<void> {
  for (let i = 0; i < 50 && readdirSync(uploadsDir).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(readdirSync(uploadsDir)).toEqual([]);
}

function form(bytes: Uint8Array | null, name = 'song.wav', extra: Record<string, string> = {}): FormData {
  const fd = new FormData();
  if (bytes) fd.append('file', new Blob([bytes as BlobPart], { type: 'audio/wav' }), name);
  for (const [k, v] of Object.entries(extra)) fd.append(k, v);
  return fd;
}

const post = (url: string, body: FormData) => fetch(`${main.base}${url}`, { method: 'POST', body });

// ---------- tests ----------

describe('formatTime', () => {
  it('formats m:ss', () => {
    expect(formatTime(0)).toBe('0:00');
    expect(formatTime(65.4)).toBe('1:05');
    expect(formatTime(599.6)).toBe('9:59');
    expect(formatTime(600)).toBe('10:00');
    expect(formatTime(Number.NaN)).toBe('0:00');
  });
});

describe('pages', () => {
  it('GET / shows the upload form and catalogue size', async () => {
    const res = await fetch(`${main.base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).toMatch(/<form[^>]+action="\/predict"[^>]+enctype="multipart\/form-data"/);
    expect(html).toContain('name="file"');
    expect(html).toContain('accept="audio/*');
    expect(html).toContain('name="k"');
    expect(html).toContain('name="same_tempo"');
    expect(html).toContain('42');
    expect(html).not.toMatch(/https?:\/\/(?!&lt;)/); // no external resources
  });

  it('serves static assets', async () => {
    for (const f of ['app.js', 'style.css']) {
      const res = await fetch(`${main.base}/static/${f}`);
      expect(res.status).toBe(200);
    }
  });

  it('POST /predict renders results', async () => {
    const res = await post('/predict', form(wavBytes(), 'my song.wav', { k: '2' }));
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const s of ['my song.wav', 'Best Groove', 'Second Best', 'Worst Groove', 'Almost Worst', '121.4', '1:35']) {
      expect(html).toContain(s);
    }
    expect(html).toContain('<audio controls preload="none" src="/tracks/1/audio"');
    // Only the tracks matched by the upload's other reading say so, each with its own.
    expect(html.match(/class="pill pill-reading"/g)).toHaveLength(3);
    expect(html.slice(html.indexOf('Best Groove'), html.indexOf('Second Best'))).toContain('>3:2 time</span>');
    expect(html.slice(html.indexOf('Second Best'), html.indexOf('Worst Groove'))).toContain('>double time</span>');
    // Only the track placed first for its tempo says so.
    expect(html.match(/class="pill pill-same-tempo"/g)).toHaveLength(1);
    expect(html.slice(html.indexOf('Best Groove'), html.indexOf('Second Best'))).toContain('>same tempo</span>');
    expect(html.slice(html.indexOf('Almost Worst'))).toContain('>half time</span>');
    expect(html).toMatch(/href="\/results\/[A-Za-z0-9_-]{22}\/segments\.csv"/);
    expect(html).toContain('Download similar segments (CSV)');
    expect(html).toContain('Your upload is identical to <strong>Twin Track</strong> in the catalogue; it was left out of its own results');
    expect(html).toContain('data-start="65"');
    expect(html).toContain('1:05–1:15');
    expect(html).toContain('Second, &#34;quoted&#34;');
    // Where it lines up, and how closely the sound itself matches there.
    expect(html).toContain('Lines up with');
    expect(html).toContain('5 of 6 windows agree, the sound itself matches: correlation 0.93, offset 64.9 s');
  });

  it('escapes the client file name', async () => {
    const res = await post('/predict', form(wavBytes(), '<script>alert(1)</script>.wav'));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;.wav');
  });

  it('HTML error page for a failed form post, without internals', async () => {
    fake.mode = 'generic';
    const res = await post('/predict', form(wavBytes()));
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('Internal error');
    expect(html).not.toContain('secret');
    expect(html).not.toMatch(/at .*\.ts:\d+/);
  });

  it('unknown routes are 404, HTML or JSON by path', async () => {
    const a = await fetch(`${main.base}/nope`);
    expect(a.status).toBe(404);
    expect(a.headers.get('content-type')).toMatch(/text\/html/);
    const b = await fetch(`${main.base}/api/nope`);
    expect(b.status).toBe(404);
    expect(((await b.json()) as { error: string }).error).toMatch(/No route/);
  });
});

describe('POST /api/recommend', () => {
  it('returns the JSON shape and a working CSV link', async () => {
    fake.recommendOpts = [];
    const bytes = wavBytes();
    const res = await post('/api/recommend', form(bytes, 'song.wav', { k: '2' }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown> & { csv_url: string; best: unknown[]; worst: unknown[] };
    expect(Object.keys(body).sort()).toEqual(['alignments', 'best', 'csv_url', 'excluded_track', 'note', 'query', 'segments', 'worst']);
    expect((body.alignments as { print_correlation: number }[])[0].print_correlation).toBe(0.934);
    expect(body.query).toEqual({ tempo: 121.37, tempo_confidence: 0.82, duration_s: 95.4, analysed_s: 95.4, truncated: false });
    expect(body.note).toBeNull();
    expect(body.best).toHaveLength(2);
    expect(body.worst).toHaveLength(2);
    expect(body.csv_url).toMatch(/^\/results\/[A-Za-z0-9_-]{22}\/segments\.csv$/);

    // k and the sha256 of the uploaded bytes reach the recommender
    const { createHash } = await import('node:crypto');
    expect(fake.recommendOpts.at(-1)).toEqual({ k: 2, content_hash: createHash('sha256').update(bytes).digest('hex') });

    const csv = await fetch(`${main.base}${body.csv_url}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="pied_piper_download.csv"');
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(3);
  });

  it('same_tempo=off reaches the recommender; an unknown value is a 400 that names the choices', async () => {
    fake.recommendOpts = [];
    await post('/api/recommend', form(wavBytes(), 'a.wav', { same_tempo: 'off' }));
    expect(fake.recommendOpts.at(-1)?.same_tempo_first).toBe(false);
    await post('/api/recommend', form(wavBytes(), 'a.wav', { same_tempo: 'first' }));
    expect(fake.recommendOpts.at(-1)?.same_tempo_first).toBeUndefined();
    const res = await post('/api/recommend', form(wavBytes(), 'a.wav', { same_tempo: 'yes' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/same_tempo must be `first`.*or `off`/);
    expect(fake.recommendOpts).toHaveLength(2);
  });

  it('uses defaultK when k is absent', async () => {
    fake.recommendOpts = [];
    await post('/api/recommend', form(wavBytes()));
    expect(fake.recommendOpts.at(-1)?.k).toBe(5);
  });

  it('no file -> 400 JSON', async () => {
    const res = await post('/api/recommend', form(null, '', { k: '3' }));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(((await res.json()) as { error: string }).error).toBe('No file uploaded (form field `file`).');
    const res2 = await fetch(`${main.base}/api/recommend`, { method: 'POST' });
    expect(res2.status).toBe(400);
  });

  it('invalid k -> 400', async () => {
    for (const k of ['0', '51', 'abc', '2.5', '-1']) {
      const res = await post('/api/recommend', form(wavBytes(), 'x.wav', { k }));
      expect(res.status, k).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/k must be/);
    }
  });

  it('random bytes -> 415 whatever the name and content type', async () => {
    const res = await post('/api/recommend', form(junkBytes(4096), 'totally.wav'));
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: string }).error).toMatch(/^Not a supported audio file\. Accepted: /);
  });

  it('empty file -> 400', async () => {
    const res = await post('/api/recommend', form(new Uint8Array(0), 'empty.wav'));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/empty/);
  });

  it('oversize -> 413 naming the limit, partial file removed', async () => {
    const small = await start({ maxUploadBytes: 2 * 1024 * 1024 });
    try {
      const res = await fetch(`${small.base}/api/recommend`, { method: 'POST', body: form(wavBytes(60)) });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: string }).error).toMatch(/2 MB/);
    } finally {
      small.close();
    }
  });

  it('AudioError -> its status and message', async () => {
    fake.mode = 'too_short';
    const res = await post('/api/recommend', form(wavBytes()));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'Audio is shorter than 1 s.', status: 400 });
  });

  it('generic error -> 500 without details', async () => {
    fake.mode = 'generic';
    const res = await post('/api/recommend', form(wavBytes()));
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: 'Internal error', status: 500 });
    expect(text).not.toContain('secret');
    expect(text).not.toContain('.ts:');
  });

  it('busy pool -> 503 with Retry-After', async () => {
    fake.mode = 'busy';
    const res = await post('/api/recommend', form(wavBytes()));
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('stores uploads under random names only', async () => {
    fake.analysed = [];
    const res = await post('/api/recommend', form(wavBytes(), '../../evil.mp3'));
    expect(res.status).toBe(200);
    const used = fake.analysed.at(-1)!;
    expect(path.dirname(used)).toBe(uploadsDir);
    expect(path.basename(used)).toMatch(/^[0-9a-f]{32}$/);
    for (const dir of [uploadsDir, path.dirname(uploadsDir), path.dirname(path.dirname(uploadsDir)), root]) {
      expect(existsSync(path.join(dir, 'evil.mp3'))).toBe(false);
    }
  });

  it('deletes the upload when the client aborts mid-upload', async () => {
    const { port } = main.server.address() as AddressInfo;
    const boundary = 'gmboundary';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n`;
    await new Promise<void>((resolve) => {
      const req = http.request({
        host: '127.0.0.1', port, method: 'POST', path: '/api/recommend',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': 500_000 },
      });
      req.on('error', () => resolve());
      req.write(head);
      req.write(Buffer.from(wavBytes(2)).subarray(0, 50_000));
      setTimeout(() => { req.destroy(); resolve(); }, 150);
    });
    await expectUploadsEmpty();
  });

  it('deletes the upload when the client aborts during analysis', async () => {
    fake.mode = 'slow';
    fake.slowRelease = null;
    const ctrl = new AbortController();
    const pending = fetch(`${main.base}/api/recommend`, { method: 'POST', body: form(wavBytes()), signal: ctrl.signal }).catch(() => null);
    for (let i = 0; i < 100 && !(fake.slowRelease as (() => void) | null); i++) await new Promise((r) => setTimeout(r, 10));
    expect(fake.slowRelease).not.toBeNull();
    expect(readdirSync(uploadsDir)).toHaveLength(1);
    ctrl.abort();
    await pending;
    await expectUploadsEmpty(); // removed while analysis is still pending
    expect(fake.signals.at(-1)?.aborted).toBe(true); // and the analysis was told to stop
    (fake.slowRelease as (() => void) | null)?.();
  });
});

describe('GET /results/:token/segments.csv', () => {
  it('unknown token -> 404', async () => {
    const res = await fetch(`${main.base}/results/AAAAAAAAAAAAAAAAAAAAAA/segments.csv`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-disposition')).toBeNull();
    expect(await res.text()).toMatch(/expired/);
  });

  it('expired token -> 404', async () => {
    const quick = await start({ csvTtlMs: 50 });
    try {
      const res = await fetch(`${quick.base}/api/recommend`, { method: 'POST', body: form(wavBytes()) });
      const { csv_url } = (await res.json()) as { csv_url: string };
      expect((await fetch(`${quick.base}${csv_url}`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 80));
      expect((await fetch(`${quick.base}${csv_url}`)).status).toBe(404);
    } finally {
      quick.close();
    }
  });
});

describe('GET /tracks/:id/audio', () => {
  it('rejects a non-integer id', async () => {
    for (const id of ['abc', '0', '-1', '1.5', '..%2F..%2Fetc%2Fpasswd']) {
      expect((await fetch(`${main.base}/tracks/${id}/audio`)).status, id).toBe(400);
    }
  });

  it('unknown id or missing file -> 404', async () => {
    expect((await fetch(`${main.base}/tracks/77/audio`)).status).toBe(404);
    expect((await fetch(`${main.base}/tracks/2/audio`)).status).toBe(404);
  });

  it('streams the file with Range support', async () => {
    const full = await fetch(`${main.base}/tracks/1/audio`);
    expect(full.status).toBe(200);
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(full.headers.get('content-type')).toMatch(/audio\/(x-)?wav/);
    expect((await full.arrayBuffer()).byteLength).toBe(audioBytes.length);

    const part = await fetch(`${main.base}/tracks/1/audio`, { headers: { Range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-99/${audioBytes.length}`);
    const got = new Uint8Array(await part.arrayBuffer());
    expect(got).toEqual(audioBytes.subarray(0, 100));

    const bad = await fetch(`${main.base}/tracks/1/audio`, { headers: { Range: `bytes=${audioBytes.length + 10}-` } });
    expect(bad.status).toBe(416);
  });
});

describe('GET /healthz', () => {
  it('reports catalogue size', async () => {
    const res = await fetch(`${main.base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, tracks: 42, segments: 1234, feature_version: 'test-1' });
  });
});

describe('hardening', () => {
  it('sends helmet headers with a strict CSP that still allows style attributes', async () => {
    const res = await fetch(`${main.base}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("style-src-attr 'unsafe-inline'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('upgrade-insecure-requests'); // would break plain-HTTP LAN use
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('echoes a plain X-Request-Id and replaces a hostile one', async () => {
    const a = await fetch(`${main.base}/healthz`, { headers: { 'X-Request-Id': 'abc-123' } });
    expect(a.headers.get('x-request-id')).toBe('abc-123');
    const b = await fetch(`${main.base}/healthz`, { headers: { 'X-Request-Id': 'x"}, "admin": true' } });
    expect(b.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rate-limits uploads per client with a clear 429, JSON or HTML; GETs are not counted', async () => {
    const limited = await start({ rateLimit: { limit: 2 } });
    try {
      const send = (url: string) => fetch(`${limited.base}${url}`, { method: 'POST', body: form(wavBytes()) });
      expect((await send('/api/recommend')).status).toBe(200);
      expect((await send('/api/recommend')).status).toBe(200);
      const json = await send('/api/recommend');
      expect(json.status).toBe(429);
      expect(Number(json.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await json.json()) as { error: string }).error).toMatch(/^Too many uploads from your address: the limit is 2 per minute\. Please try again in \d+ s\.$/);
      const html = await send('/predict');
      expect(html.status).toBe(429);
      expect(await html.text()).toContain('Too many uploads');
      for (let i = 0; i < 5; i++) expect((await fetch(`${limited.base}/healthz`)).status).toBe(200);
    } finally {
      limited.close();
    }
  });

  it('refuses a declared oversize body before reading it', async () => {
    const { port } = main.server.address() as AddressInfo;
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1', port, method: 'POST', path: '/api/recommend',
        headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': 200 * 1024 * 1024 },
      });
      req.on('response', (res) => { res.resume(); resolve(res.statusCode ?? 0); req.destroy(); });
      req.on('error', reject);
      req.write('--x\r\n'); // nothing more: the answer must not wait for the body
    });
    expect(status).toBe(413);
  });

  it('answers 503 before reading the body when analysis is saturated', async () => {
    const busy = await start({ busy: () => true });
    try {
      fake.analysed = [];
      const res = await fetch(`${busy.base}/api/recommend`, { method: 'POST', body: form(wavBytes()) });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(((await res.json()) as { error: string }).error).toMatch(/busy/);
      expect(fake.analysed).toEqual([]);
    } finally {
      busy.close();
    }
  });

  it('says when only the first minutes were analysed', async () => {
    const capped = await start({ maxAnalysisSeconds: 95.4 }); // the fake analysis is exactly this long
    try {
      const res = await fetch(`${capped.base}/api/recommend`, { method: 'POST', body: form(wavBytes()) });
      const body = (await res.json()) as { query: { analysed_s: number; truncated: boolean }; note: string };
      expect(body.query).toMatchObject({ analysed_s: 95.4, truncated: true });
      expect(body.note).toBe('Only the first 1:35 of your upload were analysed (the limit on this server); the matches describe that part.');
      const page = await fetch(`${capped.base}/predict`, { method: 'POST', body: form(wavBytes()) });
      expect(await page.text()).toContain('Only the first 1:35 of your upload were analysed');
    } finally {
      capped.close();
    }
    const roomy = await start({ maxAnalysisSeconds: 600 });
    try {
      const res = await fetch(`${roomy.base}/api/recommend`, { method: 'POST', body: form(wavBytes()) });
      expect(((await res.json()) as { note: unknown }).note).toBeNull();
    } finally {
      roomy.close();
    }
  });

  it('logs one JSON line per request with id, status and duration, never the file name or bytes', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const logged = await start({ logger: pino({ level: 'info' }, sink) });
    try {
      const name = 'secret name\n{"evil":1}.wav';
      const res = await fetch(`${logged.base}/api/recommend`, {
        method: 'POST', body: form(wavBytes(), name), headers: { 'X-Request-Id': 'req-42' },
      });
      expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 20));
      const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const entry = entries.find((e) => e.req_id === 'req-42');
      expect(entry).toMatchObject({ msg: 'request', method: 'POST', path: '/api/recommend', status: 200 });
      expect(typeof entry?.ms).toBe('number');
      expect(lines.join('')).not.toContain('secret');
      expect(lines.join('')).not.toContain('RIFF');
    } finally {
      logged.close();
    }
  });
});
