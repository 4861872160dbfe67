import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/synth/index.js';
import { encodeMp3, encodeWav } from '../../src/synth/index.js';
import { buildFixture, groove, type Fixture } from '../helpers/fixtures.js';
import { leftInUploads, multipart, rawPost, startServing, type Part, type Serving } from './harness.js';

/** One hostile request: a label for the report and how to send it. */
interface Case {
  kind: string;
  send(s: Serving): Promise<{ status: number; body: string }>;
  /** Statuses this case may get; default any 2xx/4xx or 503. */
  expect?: number[];
}

const MB = 1024 * 1024;
let fx: Fixture;
let srv: Serving;

beforeAll(async () => {
  fx = await buildFixture('acoustic', ['rock', 'funk', 'house']);
  srv = await startServing(fx.dataDir, path.join(fx.dir, 'uploads'), {
    maxQueue: 64,
    deadlineMs: 30_000,
    timeoutMs: 30_000,
    maxSeconds: 600,
    maxHeapMb: 512,
  });
});

afterAll(async () => {
  await srv?.close();
  fx?.cleanup();
});

function fileCase(kind: string, data: Uint8Array, opts: { name?: string; type?: string; route?: string; expect?: number[] } = {}): Case {
  return {
    kind,
    expect: opts.expect,
    send: (s) => {
      const { body, type } = multipart([{ name: 'file', filename: opts.name ?? 'upload.mp3', contentType: opts.type ?? 'audio/mpeg', data }]);
      return rawPost(s.port, opts.route ?? '/api/recommend', { 'content-type': type, 'content-length': body.length }, body);
    },
  };
}

function rawCase(kind: string, headers: Record<string, string | number>, body: Uint8Array | string, expect?: number[]): Case {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return { kind, expect, send: (s) => rawPost(s.port, '/api/recommend', { 'content-length': bytes.length, ...headers }, bytes) };
}

function partsCase(kind: string, parts: Part[], expect?: number[]): Case {
  return {
    kind,
    expect,
    send: (s) => {
      const { body, type } = multipart(parts);
      return rawPost(s.port, '/api/recommend', { 'content-type': type, 'content-length': body.length }, body);
    },
  };
}

/** 120 MB of audio-looking bytes, streamed; with a declared length or chunked. */
function hugeCase(declared: boolean): Case {
  return {
    kind: declared ? '120 MB, declared length' : '120 MB, chunked',
    expect: [413],
    send: (s) => {
      const boundary = 'gmHuge';
      const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.wav"\r\nContent-Type: audio/wav\r\n\r\n`);
      const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
      const chunk = Buffer.alloc(MB, 0x11);
      const total = 120 * MB;
      const headers: Record<string, string | number> = { 'content-type': `multipart/form-data; boundary=${boundary}` };
      if (declared) headers['content-length'] = head.length + total + tail.length;
      return rawPost(s.port, '/api/recommend', headers, function* () {
        yield head;
        for (let i = 0; i < total / MB; i++) yield chunk;
        yield tail;
      });
    },
  };
}

function cases(): Case[] {
  const rnd = mulberry32(20240611);
  const int = (n: number) => Math.floor(rnd() * n);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  const g = groove('funk', 'electronic808', 5);
  const wav = encodeWav(g.samples, g.sampleRate);
  const mp3 = encodeMp3(g.samples, g.sampleRate, 128);
  /** Flip bits within the first `span` bytes (the header, say), or anywhere. */
  const flip = (src: Uint8Array, flips: number, span = src.length) => {
    const out = Uint8Array.from(src);
    for (let i = 0; i < flips; i++) out[int(span)] ^= 1 << int(8);
    return out;
  };
  const withMagic = (magic: string | number[], n: number) => {
    const out = bytes(n);
    out.set(typeof magic === 'string' ? Buffer.from(magic, 'latin1') : magic, 0);
    return out;
  };
  const wavField = (offset: number, size: 2 | 4, value: number) => {
    const out = Buffer.from(wav);
    if (size === 2) out.writeUInt16LE(value, offset);
    else out.writeUInt32LE(value >>> 0, offset);
    return new Uint8Array(out);
  };
  const list: Case[] = [];

  for (let i = 0; i < 40; i++) list.push(fileCase('random bytes', bytes(1 + int(64 * 1024)), { name: `r${i}.mp3` }));
  for (let i = 0; i < 25; i++) list.push(fileCase('truncated MP3', mp3.slice(0, int(mp3.length))));
  for (let i = 0; i < 20; i++) list.push(fileCase('truncated WAV', wav.slice(0, int(wav.length)), { name: 'cut.wav', type: 'audio/wav' }));
  for (let i = 0; i < 30; i++) list.push(fileCase('bit-flipped MP3', flip(mp3, 1 + int(300))));
  for (let i = 0; i < 10; i++) list.push(fileCase('bit-flipped MP3 header', flip(mp3, 1 + int(8), 64)));
  for (let i = 0; i < 20; i++) list.push(fileCase('bit-flipped WAV', flip(wav, 1 + int(40)), { name: 'f.wav' }));
  for (let i = 0; i < 10; i++) list.push(fileCase('bit-flipped WAV header', flip(wav, 1 + int(6), 44), { name: 'h.wav' }));
  const fields: [string, number, 2 | 4, number][] = [
    ['channels 0', 22, 2, 0], ['channels 65535', 22, 2, 65535], ['rate 0', 24, 4, 0], ['rate 1', 24, 4, 1],
    ['rate 4e9', 24, 4, 4e9], ['bits 0', 34, 2, 0], ['bits 7', 34, 2, 7], ['bits 64', 34, 2, 64],
    ['format float@16 bit', 20, 2, 3], ['format 0xFFFE', 20, 2, 0xfffe], ['format 0x55', 20, 2, 0x55],
    ['data size 4 GB', 40, 4, 0xffffffff], ['fmt size huge', 16, 4, 0x7fffffff], ['block align 0', 32, 2, 0],
    ['riff size 0', 4, 4, 0],
  ];
  for (const [what, at, size, v] of fields) list.push(fileCase(`WAV ${what}`, wavField(at, size, v), { name: 'w.wav' }));
  const fakes: [string, string | number[]][] = [
    ['RIFF/WAVE', 'RIFF\x24\x00\x00\x00WAVE'], ['RIFF/WAVE fmt', 'RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00'],
    ['RF64', 'RF64\xff\xff\xff\xffWAVE'], ['ID3', 'ID3\x03\x00\x00\x00\x00\x00\x10'],
    ['ID3 huge size', 'ID3\x04\x00\x00\x7f\x7f\x7f\x7f'], ['fLaC', 'fLaC\x00\x00\x00\x22'], ['OggS', 'OggS\x00\x02'],
    ['OggS vorbis', 'OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x1e\x01vorbis'],
    ['OggS opus', 'OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x13OpusHead'],
    ['ftyp M4A', '\x00\x00\x00\x20ftypM4A '], ['ftyp heic', '\x00\x00\x00\x18ftypheic'], ['caff', 'caff\x00\x01\x00\x00'],
    ['FORM AIFF', 'FORM\x00\x00\x10\x00AIFF'], ['EBML', [0x1a, 0x45, 0xdf, 0xa3]], ['qoaf', 'qoaf\x00\x00\x10\x00'],
    ['MPEG sync x2', [0xff, 0xfb, 0x90, 0x64]], ['ADTS sync', [0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc]],
  ];
  for (const [what, magic] of fakes) {
    list.push(fileCase(`fake ${what} header`, withMagic(magic, 64 + int(4096))));
    list.push(fileCase(`fake ${what} header, large`, withMagic(magic, 256 * 1024)));
  }
  // Repeated valid-looking MPEG frame headers over garbage: sniffs as MP3, decodes to noise or nothing.
  const frames = new Uint8Array(418 * 40);
  for (let i = 0; i < 40; i++) frames.set([0xff, 0xfb, 0x90, 0x64], i * 418);
  list.push(fileCase('MPEG frame headers over zeros', frames));
  list.push(fileCase('empty file', new Uint8Array(0)));
  list.push(fileCase('one byte', Uint8Array.of(0xff)));

  const names = ['../../x', '../../x.mp3', 'con.mp3', 'NUL', 'aux.wav', '.htaccess', '/etc/passwd', 'C:\\Windows\\win.ini',
    'x'.repeat(300), `${'é'.repeat(150)}.mp3`, 'a"b.mp3', "a'; DROP TABLE tracks;--.mp3", '<script>alert(1)</script>.mp3',
    '%2e%2e%2fx.mp3', ' ', ''];
  for (const name of names) list.push(fileCase(`name ${JSON.stringify(name.slice(0, 20))}`, mp3, { name }));
  list.push(fileCase('name with NUL byte', mp3, { name: 'a\u0000b.mp3' }));
  list.push(fileCase('name with CR LF', mp3, { name: 'a\r\nX-Injected: 1.mp3' }));
  for (const type of ['text/plain', 'application/x-msdownload', 'image/png', 'application/octet-stream', '']) {
    list.push(fileCase(`part type ${type || 'none'} on MP3`, mp3, { type }));
    list.push(fileCase(`part type ${type || 'none'} on junk`, bytes(2048), { type, expect: [415] }));
  }
  list.push(fileCase('to the HTML route', bytes(4096), { route: '/predict', expect: [415] }));

  const { body: good, type: goodType } = multipart([{ name: 'file', filename: 'a.mp3', data: mp3 }]);
  list.push(rawCase('missing boundary', { 'content-type': 'multipart/form-data' }, good, [400]));
  list.push(rawCase('wrong boundary', { 'content-type': 'multipart/form-data; boundary=nope' }, good, [400]));
  list.push(rawCase('JSON body', { 'content-type': 'application/json' }, '{"file":"x"}', [400]));
  list.push(rawCase('text body', { 'content-type': 'text/plain' }, 'hello', [400]));
  list.push(rawCase('urlencoded body', { 'content-type': 'application/x-www-form-urlencoded' }, 'file=x', [400]));
  list.push(rawCase('no content type', {}, mp3, [400]));
  list.push(rawCase('raw MP3 as audio/mpeg', { 'content-type': 'audio/mpeg' }, mp3, [400]));
  list.push(rawCase('empty body', { 'content-type': goodType }, '', [400]));
  list.push(rawCase('multipart cut short', { 'content-type': goodType }, good.subarray(0, good.length >> 1), [400]));
  list.push(rawCase('multipart without closing boundary', { 'content-type': goodType }, good.subarray(0, good.length - 30), [400]));
  list.push(partsCase('two files', [{ name: 'file', filename: 'a.mp3', data: mp3 }, { name: 'file', filename: 'b.mp3', data: mp3 }], [400]));
  list.push(partsCase('file in another field', [{ name: 'upload', filename: 'a.mp3', data: mp3 }], [400]));
  list.push(partsCase('field only', [{ name: 'k', data: '3' }], [400]));
  list.push(partsCase('k huge', [{ name: 'k', data: '9'.repeat(500) }, { name: 'file', filename: 'a.mp3', data: mp3 }], [400]));
  list.push(partsCase('k negative', [{ name: 'k', data: '-5' }, { name: 'file', filename: 'a.mp3', data: mp3 }], [400]));
  list.push(partsCase('20 fields', Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, data: 'x' })), [400]));
  list.push(partsCase('2 KB field value', [{ name: 'k', data: 'x'.repeat(2048) }, { name: 'file', filename: 'a.mp3', data: mp3 }], [400]));
  list.push(partsCase('file part without filename', [{ name: 'file', data: mp3 }], [400]));
  list.push(hugeCase(true));
  list.push(hugeCase(false));
  return list;
}

describe('hostile uploads', () => {
  it('never get a 5xx other than 503, leave nothing behind, and the server stays up', async () => {
    const all = cases();
    expect(all.length).toBeGreaterThanOrEqual(200);
    const counts = new Map<number, number>();
    const byKind = new Map<string, Set<number>>();
    const bad: string[] = [];
    let next = 0;
    const lane = async () => {
      while (next < all.length) {
        const c = all[next++];
        const r = await c.send(srv);
        counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
        const kind = c.kind.replace(/ \d+$/, '');
        if (!byKind.has(kind)) byKind.set(kind, new Set());
        byKind.get(kind)!.add(r.status);
        const allowed = c.expect ?? [];
        const ok = allowed.length > 0 ? allowed.includes(r.status) : r.status < 500 || r.status === 503;
        if (!ok) bad.push(`${c.kind}: ${r.status} ${r.body.slice(0, 200)}`);
        // Whatever happened, the client sees a message, never a stack trace.
        if (r.status >= 400) expect(r.body, c.kind).not.toMatch(/\bat .*\.(ts|js):\d+/);
      }
    };
    await Promise.all(Array.from({ length: 4 }, lane));
    const summary = [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}: ${n}`).join(', ');
    console.log(`fuzz: ${all.length} uploads -> ${summary}`);
    for (const [kind, statuses] of byKind) console.log(`  ${kind}: ${[...statuses].sort().join('/')}`);
    expect(bad).toEqual([]);
    expect([...counts.keys()].filter((s) => s >= 500 && s !== 503)).toEqual([]);
    const health = await fetch(`${srv.base}/healthz`);
    expect(health.status).toBe(200);
    expect(await leftInUploads(srv.uploadsDir)).toEqual([]);
  });
});
