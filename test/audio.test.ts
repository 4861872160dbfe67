import { Mp3Encoder } from '@breezystack/lamejs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AUDIO_EXTENSIONS,
  AudioError,
  MIN_DURATION_S,
  TARGET_RATE,
  decodeBytes,
  decodeFile,
  resample,
  sniffFormat,
  toMono,
} from '../src/audio/index.js';
import { resampleScalar } from '../src/audio/resample.js';

// ---------- signals and measurements ----------

function sine(freq: number, rate: number, seconds: number, amp = 1): Float32Array {
  const x = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / rate);
  return x;
}

/** RMS of the middle, away from the filter's edge transients. */
function midRms(x: Float32Array, edge = 0.1): number {
  const a = Math.floor(x.length * edge);
  const b = x.length - a;
  let s = 0;
  for (let i = a; i < b; i++) s += x[i] * x[i];
  return Math.sqrt(s / (b - a));
}

const db = (ratio: number) => 20 * Math.log10(ratio);

/** Amplitude of one frequency (Goertzel over the middle half). */
function toneLevel(x: Float32Array, freq: number, rate: number): number {
  const a = Math.floor(x.length / 4);
  const n = Math.floor(x.length / 2);
  const w = (2 * Math.PI * freq) / rate;
  let re = 0;
  let im = 0;
  for (let i = 0; i < n; i++) {
    re += x[a + i] * Math.cos(w * i);
    im += x[a + i] * Math.sin(w * i);
  }
  return (2 * Math.hypot(re, im)) / n;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomBytes(n: number, seed: number): Uint8Array {
  const r = seeded(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

// ---------- tiny encoders ----------

/** PCM WAV: 16-bit integer, or 32-bit float when `float`. */
function wav(channels: Float32Array[], rate: number, float = false): Uint8Array {
  const n = channels[0].length;
  const ch = channels.length;
  const bytesPer = float ? 4 : 2;
  const data = n * ch * bytesPer;
  const b = new Uint8Array(44 + data);
  const v = new DataView(b.buffer);
  const tag = (at: number, s: string) => [...s].forEach((c, i) => (b[at + i] = c.charCodeAt(0)));
  tag(0, 'RIFF');
  v.setUint32(4, 36 + data, true);
  tag(8, 'WAVE');
  tag(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, float ? 3 : 1, true);
  v.setUint16(22, ch, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * ch * bytesPer, true);
  v.setUint16(32, ch * bytesPer, true);
  v.setUint16(34, bytesPer * 8, true);
  tag(36, 'data');
  v.setUint32(40, data, true);
  for (let i = 0, at = 44; i < n; i++) {
    for (let c = 0; c < ch; c++, at += bytesPer) {
      const s = channels[c][i];
      if (float) v.setFloat32(at, s, true);
      else v.setInt16(at, Math.max(-32768, Math.min(32767, Math.round(s * 32767))), true);
    }
  }
  return b;
}

function mp3(left: Float32Array, right: Float32Array, rate: number): Uint8Array {
  const enc = new Mp3Encoder(2, rate, 128);
  const toI16 = (x: Float32Array) => Int16Array.from(x, (s) => Math.round(s * 32767));
  const l = toI16(left);
  const r = toI16(right);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < l.length; i += 1152) parts.push(enc.encodeBuffer(l.subarray(i, i + 1152), r.subarray(i, i + 1152)));
  parts.push(enc.flush());
  return concat(...parts);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** ID3v2.4 tag with `size` bytes of zeroed body. */
const id3 = (size: number) =>
  concat(ascii('ID3'), Uint8Array.of(4, 0, 0, (size >> 21) & 0x7f, (size >> 14) & 0x7f, (size >> 7) & 0x7f, size & 0x7f), new Uint8Array(size));

/** Two MPEG-1 layer III frames, 128 kb/s, 44.1 kHz: 417 bytes each. */
const mpegFrames = () => {
  const f = new Uint8Array(417);
  f.set([0xff, 0xfb, 0x90, 0x00]);
  return concat(f, f);
};

/** Two ADTS frames of 20 bytes (AAC-LC, 44.1 kHz, stereo). */
const adtsFrames = () => {
  const f = new Uint8Array(20);
  f.set([0xff, 0xf1, 0x50, 0x80, (20 >> 3) & 0xff, ((20 & 7) << 5) | 0x1f, 0xfc]);
  return concat(f, f);
};

/** First Ogg page whose single packet starts with `packet`. */
const oggPage = (packet: Uint8Array) => {
  const head = new Uint8Array(28);
  head.set(ascii('OggS'));
  head[5] = 2; // beginning of stream
  head[26] = 1; // one segment
  head[27] = packet.length;
  return concat(head, packet);
};

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

async function audioErrorCode(p: Promise<unknown>): Promise<string> {
  const e = await rejection(p);
  expect(e).toBeInstanceOf(AudioError);
  const err = e as AudioError;
  // Shown on the web page: a plain sentence, no stack frames or library internals.
  expect(err.message).toMatch(/^[A-Z][^\n]*\.$/);
  expect(err.message).not.toMatch(/\bat \S+:\d+|wasm|mpg123|TypeError|0x[0-9a-f]+/i);
  return err.code;
}

// ---------- resample ----------

describe('resample', () => {
  it('removes a 15 kHz tone going from 44.1 kHz to 22.05 kHz (≥ 60 dB)', () => {
    const x = sine(15000, 44100, 2);
    const y = resample(x, 44100, 22050);
    expect(y.length).toBe(44100);
    expect(db(midRms(y) / midRms(x))).toBeLessThan(-60);
  });

  it('passes a 1 kHz tone within 0.1 dB', () => {
    const x = sine(1000, 44100, 2);
    const y = resample(x, 44100, 22050);
    expect(Math.abs(db(midRms(y) / midRms(x)))).toBeLessThan(0.1);
    // and keeps it at 1 kHz, in phase with a tone generated at the output rate
    const ref = sine(1000, 22050, 2);
    let err = 0;
    for (let i = 2000; i < y.length - 2000; i++) err = Math.max(err, Math.abs(y[i] - ref[i]));
    expect(err).toBeLessThan(1e-3);
  });

  it('48 kHz → 22.05 kHz: length rounds and a 13 kHz tone does not alias (≥ 60 dB)', () => {
    for (const n of [0, 1, 2, 3, 47999, 48000, 48001, 100_003]) {
      expect(resample(new Float32Array(n), 48000, 22050).length).toBe(Math.round((n * 22050) / 48000));
    }
    const x = sine(13000, 48000, 2);
    const y = resample(x, 48000, 22050);
    expect(db(midRms(y) / midRms(x))).toBeLessThan(-60);
    const pass = sine(3000, 48000, 2);
    expect(Math.abs(db(midRms(resample(pass, 48000, 22050)) / midRms(pass)))).toBeLessThan(0.1);
  });

  it('32 kHz → 22.05 kHz keeps a tone and suppresses a 12.5 kHz one', () => {
    const y = resample(sine(2000, 32000, 2), 32000, 22050);
    expect(y.length).toBe(44100);
    expect(Math.abs(db(midRms(y) / Math.SQRT1_2))).toBeLessThan(0.1);
    expect(db(midRms(resample(sine(12500, 32000, 2), 32000, 22050)) / Math.SQRT1_2)).toBeLessThan(-60);
  });

  it('keeps an impulse centred (no delay)', () => {
    for (const [from, at] of [
      [44100, 10000],
      [48000, 48000],
      [32000, 6400],
      [16000, 3200],
    ]) {
      const x = new Float32Array(from * 2);
      x[at] = 1;
      const y = resample(x, from, 22050);
      let peak = 0;
      for (let i = 1; i < y.length; i++) if (Math.abs(y[i]) > Math.abs(y[peak])) peak = i;
      expect(peak).toBe(Math.round((at * 22050) / from));
    }
  });

  it('upsamples 16 kHz → 22.05 kHz without images', () => {
    const x = sine(6000, 16000, 2);
    const y = resample(x, 16000, 22050);
    expect(y.length).toBe(44100);
    expect(Math.abs(db(toneLevel(y, 6000, 22050)))).toBeLessThan(0.1);
    // the image of 6 kHz around the 16 kHz input rate would sit at 10 kHz
    expect(db(toneLevel(y, 10000, 22050))).toBeLessThan(-70);
  });

  it('handles ratios without a small exact period (interpolated phases)', () => {
    const y = resample(sine(1000, 44101, 2), 44101, 22050);
    expect(y.length).toBe(Math.round((88202 * 22050) / 44101));
    expect(Math.abs(db(midRms(y) / Math.SQRT1_2))).toBeLessThan(0.1);
    expect(db(midRms(resample(sine(15000, 44101, 2), 44101, 22050)) / Math.SQRT1_2)).toBeLessThan(-60);
  });

  it('the SIMD path matches the scalar reference', () => {
    const r = seeded(7);
    const x = Float32Array.from({ length: 30011 }, () => r() * 2 - 1);
    for (const from of [44100, 48000, 32000, 16000, 96000]) {
      const a = resample(x, from, 22050);
      const b = resampleScalar(x, from, 22050);
      expect(a.length).toBe(b.length);
      let d = 0;
      for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
      expect(d).toBeLessThan(1e-5);
    }
  });

  it('returns a copy for equal rates and rejects nonsense rates', () => {
    const x = sine(440, 22050, 0.1);
    const y = resample(x, 22050, 22050);
    expect(y).not.toBe(x);
    expect(y).toEqual(x);
    expect(() => resample(x, 0, 22050)).toThrow(RangeError);
    expect(() => resample(x, 44100, Number.NaN)).toThrow(RangeError);
  });
});

// ---------- mono ----------

describe('toMono', () => {
  it('averages the channels', () => {
    const m = toMono([Float32Array.of(1, 0.5, -1), Float32Array.of(0, 0.5, 1)]);
    expect(Array.from(m)).toEqual([0.5, 0.5, 0]);
    const three = toMono([Float32Array.of(3), Float32Array.of(0), Float32Array.of(-6)]);
    expect(three[0]).toBeCloseTo(-1, 6);
  });

  it('returns a single channel as is, and nothing for no channels', () => {
    const c = Float32Array.of(1, 2);
    expect(toMono([c])).toBe(c);
    expect(toMono([]).length).toBe(0);
  });

  it('cuts channels of unequal length to the shortest', () => {
    expect(toMono([Float32Array.of(1, 1, 1), Float32Array.of(1)]).length).toBe(1);
  });
});

// ---------- sniff ----------

describe('sniffFormat', () => {
  const cases: [string, Uint8Array, string][] = [
    ['wav', concat(ascii('RIFF'), new Uint8Array(4), ascii('WAVEfmt ')), 'wav'],
    ['rf64', concat(ascii('RF64'), new Uint8Array(4).fill(0xff), ascii('WAVEds64')), 'wav'],
    ['aiff', concat(ascii('FORM'), new Uint8Array(4), ascii('AIFFCOMM')), 'aiff'],
    ['aifc', concat(ascii('FORM'), new Uint8Array(4), ascii('AIFCFVER')), 'aiff'],
    ['flac', concat(ascii('fLaC'), new Uint8Array(38)), 'flac'],
    ['id3 + flac', concat(id3(20), ascii('fLaC'), new Uint8Array(38)), 'flac'],
    ['ogg vorbis', oggPage(concat(Uint8Array.of(1), ascii('vorbis'), new Uint8Array(23))), 'ogg'],
    ['ogg opus', oggPage(concat(ascii('OpusHead'), new Uint8Array(11))), 'opus'],
    ['ogg flac', oggPage(concat(Uint8Array.of(0x7f), ascii('FLAC'), new Uint8Array(20))), 'flac'],
    ['mp3 bare', mpegFrames(), 'mp3'],
    ['mp3 + id3', concat(id3(100), mpegFrames()), 'mp3'],
    ['id3 + garbage', concat(id3(10), randomBytes(500, 3)), 'mp3'],
    ['m4a', concat(Uint8Array.of(0, 0, 0, 0x20), ascii('ftypM4A '), new Uint8Array(20)), 'm4a'],
    ['mp4', concat(Uint8Array.of(0, 0, 0, 0x20), ascii('ftypisom'), new Uint8Array(20)), 'm4a'],
    ['webm', concat(Uint8Array.of(0x1a, 0x45, 0xdf, 0xa3), new Uint8Array(28)), 'webm'],
    ['aac adts', adtsFrames(), 'aac'],
    ['id3 + adts', concat(id3(30), adtsFrames()), 'aac'],
    ['caf', concat(ascii('caff'), Uint8Array.of(0, 1, 0, 0)), 'caf'],
    ['qoa', concat(ascii('qoaf'), new Uint8Array(12)), 'qoa'],
  ];
  it.each(cases)('%s', (_name, bytes, format) => {
    expect(sniffFormat(bytes)).toBe(format);
  });

  it('says null for random bytes, text, images and near misses', () => {
    for (let seed = 1; seed <= 300; seed++) expect(sniffFormat(randomBytes(4096, seed))).toBeNull();
    expect(sniffFormat(ascii('Hello, this is just a text file.\nNothing to hear.\n'))).toBeNull();
    expect(sniffFormat(ascii('{"name": "groovematch"}'))).toBeNull();
    const png = concat(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), randomBytes(200, 1));
    expect(sniffFormat(png)).toBeNull();
    expect(sniffFormat(concat(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0), randomBytes(200, 2)))).toBeNull(); // JPEG
    expect(sniffFormat(concat(ascii('RIFF'), new Uint8Array(4), ascii('WEBPVP8 ')))).toBeNull();
    expect(sniffFormat(concat(Uint8Array.of(0, 0, 0, 0x18), ascii('ftypheic'), new Uint8Array(12)))).toBeNull();
    expect(sniffFormat(new Uint8Array(0))).toBeNull();
    // one MPEG header followed by junk is not enough
    expect(sniffFormat(concat(Uint8Array.of(0xff, 0xfb, 0x90, 0x00), randomBytes(1000, 5)))).toBeNull();
  });

  it('lists the extensions to scan for', () => {
    for (const ext of ['.mp3', '.wav', '.flac', '.ogg', '.oga', '.opus', '.m4a', '.mp4', '.aac', '.aif', '.aiff', '.aifc', '.webm', '.caf']) {
      expect(AUDIO_EXTENSIONS).toContain(ext);
    }
    for (const ext of AUDIO_EXTENSIONS) expect(ext).toMatch(/^\.[a-z0-9]+$/);
  });
});

// ---------- decode ----------

describe('decodeBytes', () => {
  const left = sine(440, 44100, 3, 0.5);
  const right = sine(440, 44100, 3, 0.25);
  const stereo = wav([left, right], 44100);

  it('turns a 3 s stereo 44.1 kHz WAV into mono at 22,050 Hz', async () => {
    const d = await decodeBytes(stereo);
    expect(TARGET_RATE).toBe(22050);
    expect(d.sampleRate).toBe(22050);
    expect(d.samples.length).toBe(3 * 22050);
    expect(d.duration_s).toBeCloseTo(3, 6);
    expect(d.source).toMatchObject({ format: 'wav', sampleRate: 44100, channels: 2 });
    expect(d.source.duration_s).toBeCloseTo(3, 6);
    // (0.5 + 0.25) / 2 amplitude at 440 Hz
    expect(toneLevel(d.samples, 440, 22050)).toBeCloseTo(0.375, 2);
  });

  it('keeps only the first maxSeconds and stops decoding soon after', async () => {
    const d = await decodeBytes(stereo, { maxSeconds: 2 });
    expect(d.samples.length).toBe(2 * 22050);
    expect(d.duration_s).toBeCloseTo(2, 6);
    // Decoding goes one 64 KB chunk (0.37 s of this WAV) past the cap at most, never to the end.
    expect(d.source.duration_s).toBeGreaterThanOrEqual(2);
    expect(d.source.duration_s).toBeLessThan(2.5);
    await expect(decodeBytes(stereo, { maxSeconds: 0.5 })).rejects.toThrow(RangeError);
  });

  it('passes 22,050 Hz input through and decodes float WAV', async () => {
    const x = sine(300, 22050, 1.5, 0.8);
    const d = await decodeBytes(wav([x], 22050, true));
    expect(d.samples.length).toBe(x.length);
    expect(d.samples[1000]).toBeCloseTo(x[1000], 6);
    expect(d.source.channels).toBe(1);
  });

  it('zeroes stray NaN/Inf samples but rejects a stream of them', async () => {
    const x = sine(300, 44100, 2, 0.5);
    x[100] = Number.NaN;
    x[200] = Number.POSITIVE_INFINITY;
    const d = await decodeBytes(wav([x], 44100, true));
    expect(d.samples.every(Number.isFinite)).toBe(true);
    const nan = new Float32Array(44100 * 2).fill(Number.NaN);
    expect(await audioErrorCode(decodeBytes(wav([nan], 44100, true)))).toBe('corrupt');
  });

  it('classifies what it cannot use', async () => {
    expect(await audioErrorCode(decodeBytes(new Uint8Array(0)))).toBe('empty');
    expect(await audioErrorCode(decodeBytes(randomBytes(10_000, 42)))).toBe('not_audio');
    expect(await audioErrorCode(decodeBytes(ascii('not a song at all, just words')))).toBe('not_audio');
    const fakeWav = concat(ascii('RIFF'), Uint8Array.of(0, 0x10, 0, 0), ascii('WAVE'), randomBytes(4096, 9));
    expect(await audioErrorCode(decodeBytes(fakeWav))).toBe('corrupt');
    expect(await audioErrorCode(decodeBytes(concat(id3(10), randomBytes(4096, 11))))).toBe('corrupt');
    const e = await rejection(decodeBytes(new Uint8Array(0)));
    expect((e as AudioError).status).toBe(400);
  });

  it('says a WAV with an unknown codec is unsupported (415)', async () => {
    const g722 = stereo.slice(0, 4096);
    new DataView(g722.buffer).setUint16(20, 0x028f, true);
    const e = await rejection(decodeBytes(g722));
    expect(e).toBeInstanceOf(AudioError);
    expect((e as AudioError).code).toBe('unsupported');
    expect((e as AudioError).status).toBe(415);
  });

  it('rejects audio shorter than MIN_DURATION_S', async () => {
    const short = wav([sine(440, 44100, 0.5)], 44100);
    const e = await rejection(decodeBytes(short));
    expect((e as AudioError).code).toBe('too_short');
    expect((e as AudioError).message).toBe(`Audio is 0.5 s long; at least ${MIN_DURATION_S} s is needed.`);
  });

  it('never crashes on damaged WAV or MP3 data', async () => {
    const sources = [stereo, mp3(left, right, 44100)];
    const r = seeded(123);
    for (const src of sources) {
      for (let k = 0; k < 12; k++) {
        const b = src.slice(0, Math.floor(r() * src.length));
        for (let j = 0; j < 20; j++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
        try {
          const d = await decodeBytes(b);
          expect(d.samples.every(Number.isFinite)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(AudioError);
        }
      }
    }
  });

  it('round-trips an MP3 made with lamejs, and a truncated one', async () => {
    const bytes = mp3(left, right, 44100);
    expect(sniffFormat(bytes)).toBe('mp3');
    const d = await decodeBytes(bytes);
    expect(d.source).toMatchObject({ format: 'mp3', sampleRate: 44100, channels: 2 });
    expect(Math.abs(d.duration_s - 3)).toBeLessThan(0.1); // encoder delay and padding
    expect(toneLevel(d.samples, 440, 22050)).toBeCloseTo(0.375, 1);

    const tagged = await decodeBytes(concat(id3(64), bytes));
    expect(tagged.source.format).toBe('mp3');

    const cut = bytes.subarray(0, Math.floor(bytes.length * 0.4));
    try {
      const c = await decodeBytes(cut);
      expect(c.duration_s).toBeGreaterThan(0.9);
      expect(c.duration_s).toBeLessThan(1.5);
    } catch (e) {
      expect(e).toBeInstanceOf(AudioError);
    }
  });
});

describe('decodeFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gm-audio-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes by content, whatever the name says', async () => {
    const path = join(dir, 'song.txt');
    writeFileSync(path, wav([sine(440, 48000, 1.2)], 48000));
    const d = await decodeFile(path);
    expect(d.source).toMatchObject({ format: 'wav', sampleRate: 48000, channels: 1 });
    expect(d.samples.length).toBe(Math.round(1.2 * 22050));
    const fake = join(dir, 'fake.mp3');
    writeFileSync(fake, 'this is text');
    expect(await audioErrorCode(decodeFile(fake))).toBe('not_audio');
  });
});
