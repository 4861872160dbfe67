/**
 * MP3 decoding through both paths: the native libmpg123 addon (when it built) and audio-decode's WASM
 * mpg123 (always there). Each path must pass the same checks, and the two must give nearly the same
 * mono 22,050 Hz signal at the same time, since segment offsets in the product depend on timing.
 */
import { Mp3Encoder } from '@breezystack/lamejs';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AudioError, TARGET_RATE, decodeBytes, decodeMono, decodeStream, resample } from '../src/audio/index.js';
import { mp3Decoder, nativeMp3Status, withMp3Decoder, type Mp3Decoder } from '../src/audio/mpg123.js';
import { mpegLayer } from '../src/audio/sniff.js';
import { rng } from './helpers/random.js';

const native = nativeMp3Status();
const SKIP = `skipped: the groovematch-mpg123 addon is not installed (${native.reason}); apt-get install libmpg123-dev, then npm ci`;
const RATE = 44100;

const tone = (freq: number, seconds: number, amp = 0.5) =>
  Float32Array.from({ length: Math.round(RATE * seconds) }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / RATE));

/** Kick, noise hats and a pad, different on each side: broadband, with sharp onsets to time. */
function groove(seconds: number): [Float32Array, Float32Array] {
  const n = RATE * seconds;
  const l = new Float32Array(n);
  const r = new Float32Array(n);
  const rand = rng(3);
  for (let i = 0; i < n; i++) {
    const k = i % 11025;
    const kick = 0.5 * Math.sin((2 * Math.PI * 60 * k) / RATE) * Math.exp(-k / 3000);
    const hat = 0.2 * (2 * rand() - 1) * Math.exp(-((i + 5512) % 11025) / 400);
    const pad = 0.1 * Math.sin((2 * Math.PI * 330 * i) / RATE);
    l[i] = kick + hat + pad;
    r[i] = kick + 0.6 * hat - pad;
  }
  return [l, r];
}

const KBPS = 192;
const frameBytes = (padded: boolean) => Math.floor((144000 * KBPS) / RATE) + (padded ? 1 : 0);

function mp3([l, r]: [Float32Array, Float32Array]): Uint8Array {
  const enc = new Mp3Encoder(2, RATE, KBPS);
  const i16 = (x: Float32Array) => Int16Array.from(x, (s) => Math.round(s * 32767));
  const [a, b] = [i16(l), i16(r)];
  const parts: Uint8Array[] = [];
  const push = (c: Uint8Array) => parts.push(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
  for (let i = 0; i < a.length; i += 1152) push(enc.encodeBuffer(a.subarray(i, i + 1152), b.subarray(i, i + 1152)));
  push(enc.flush());
  return bytes(...parts);
}

/** A plain Uint8Array, whose slice() copies (a Buffer's slice() would share memory with it). */
const bytes = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** Byte offsets of the frames of a lamejs CBR stream (no tags, no junk). */
function frameOffsets(b: Uint8Array): number[] {
  const at: number[] = [];
  for (let i = 0; i + 4 <= b.length && b[i] === 0xff; i += frameBytes(((b[i + 2] >> 1) & 1) === 1)) at.push(i);
  return at;
}

/**
 * The stream behind a LAME "Info" frame declaring its frame count, encoder delay and padding, as
 * LAME and ffmpeg write it: the decoders then trim to exactly `samples` samples. lamejs writes none.
 */
function withLameTag(b: Uint8Array, samples: number, delay = 576): Uint8Array {
  const frames = frameOffsets(b).length;
  const padding = frames * 1152 - delay - samples;
  expect(padding).toBeGreaterThanOrEqual(0);
  expect(padding).toBeLessThan(4096);
  const info = new Uint8Array(frameBytes(false));
  info.set(b.subarray(0, 4));
  info[2] &= ~2; // no padding byte
  const at = 4 + 32; // after the header and the (zero) side info of an MPEG-1 stereo frame
  info.set([0x49, 0x6e, 0x66, 0x6f, 0, 0, 0, 1], at); // 'Info', flags: frame count present
  new DataView(info.buffer).setUint32(at + 8, frames);
  info.set(Buffer.from('LAME3.100'), at + 12);
  info[at + 21] = 1; // CBR
  info.set([delay >> 4, ((delay & 15) << 4) | (padding >> 8), padding & 255], at + 33);
  return bytes(info, b);
}

const rms = (x: Float32Array) => {
  const a = Math.floor(x.length * 0.2);
  let s = 0;
  for (let i = a; i < x.length - a; i++) s += x[i] * x[i];
  return Math.sqrt(s / (x.length - 2 * a));
};
const db = (v: number) => 20 * Math.log10(v);

/** Correlation of y against x at each integer lag in ±range; the best lag, refined by a parabola. */
function alignment(x: Float32Array, y: Float32Array, range = 8): { lag: number; corr: number; atZero: number } {
  const c: number[] = [];
  const n = Math.min(x.length, y.length) - range;
  for (let lag = -range; lag <= range; lag++) {
    let s = 0;
    let sx = 0;
    let sy = 0;
    for (let i = range; i < n; i++) {
      s += x[i] * y[i + lag];
      sx += x[i] * x[i];
      sy += y[i + lag] * y[i + lag];
    }
    c.push(s / Math.sqrt(sx * sy));
  }
  const k = c.indexOf(Math.max(...c));
  const [a, b, d] = [c[k - 1] ?? c[k], c[k], c[k + 1] ?? c[k]];
  const frac = a - 2 * b + d === 0 ? 0 : (a - d) / (2 * (a - 2 * b + d));
  return { lag: k - range + frac, corr: b, atZero: c[range] };
}

const SECONDS = 4;
const signal = groove(SECONDS);
const plain = mp3(signal);
const tagged = withLameTag(plain, SECONDS * RATE);
const reference = resample(Float32Array.from(signal[0], (v, i) => (v + signal[1][i]) / 2), RATE, TARGET_RATE);

const PATHS: Array<[Mp3Decoder, boolean]> = [['wasm', true], ['native', native.available]];

describe.each(PATHS)('MP3 through the %s decoder', (decoder, available) => {
  const test = it.skipIf(!available);
  const label = available ? '' : ` (${SKIP})`;

  test(`attenuates 15 and 12.5 kHz by ≥ 60 dB, passes 1 and 9 kHz${label}`, async () => {
    for (const [freq, wanted] of [[15000, -60], [12500, -60], [1000, 0], [9000, 0]]) {
      const x = tone(freq, 1);
      const b = mp3([x, x]);
      // The encoder keeps every one of these tones; otherwise the check below would prove nothing.
      const encoded = db(rms((await withMp3Decoder('wasm', () => decodeMono(b))).mono) / rms(x));
      expect(Math.abs(encoded)).toBeLessThan(0.5);
      const out = db(rms((await withMp3Decoder(decoder, () => decodeBytes(b))).samples) / rms(x));
      if (wanted < 0) expect(out).toBeLessThan(wanted);
      else expect(Math.abs(out)).toBeLessThan(1);
    }
  });

  test(`cuts the LAME tag's delay and padding: exact length, in time with the input${label}`, async () => {
    const d = await withMp3Decoder(decoder, () => decodeBytes(tagged));
    expect(d.samples.length).toBe((SECONDS * RATE) / 2);
    expect(d.source).toMatchObject({ format: 'mp3', sampleRate: RATE, channels: 2, duration_s: SECONDS });
    const a = alignment(reference, d.samples);
    expect(a.corr).toBeGreaterThan(0.99);
    // Native: half a sample late when delay + 529 is odd (its 2:1 synthesis has no odd phase).
    expect(Math.abs(a.lag)).toBeLessThan(0.6);
    // Without the tag nothing is trimmed: both keep the 1105-sample encoder and decoder delay.
    const untrimmed = await withMp3Decoder(decoder, () => decodeBytes(plain));
    expect(untrimmed.samples.length).toBe((frameOffsets(plain).length * 1152) / 2);
  });

  test(`streams into a sink and stops decoding at maxSeconds${label}`, async () => {
    const whole = await withMp3Decoder(decoder, () => decodeBytes(tagged));
    const chunks: Float32Array[] = [];
    const streamed = await withMp3Decoder(decoder, () => decodeStream(tagged, {}, (c) => chunks.push(c)));
    expect(streamed.duration_s).toBe(whole.duration_s);
    expect(Float32Array.from(chunks.flatMap((c) => Array.from(c)))).toEqual(whole.samples);
    const long = withLameTag(mp3(groove(8)), 8 * RATE);
    const capped = await withMp3Decoder(decoder, () => decodeBytes(long, { maxSeconds: 2 }));
    expect(capped.samples.length).toBe(2 * TARGET_RATE);
    // One 64 KB slice is 2.7 s of 192 kbit/s: decoding stops after the first, long before the 8 s end.
    expect(capped.source.duration_s).toBeGreaterThanOrEqual(2);
    expect(capped.source.duration_s).toBeLessThan(3);
  });

  test(`classifies damaged and truncated MP3s without crashing${label}`, async () => {
    const r = rng(77);
    for (let k = 0; k < 16; k++) {
      const b = tagged.slice(0, Math.floor(r() * tagged.length));
      for (let j = 0; j < 20; j++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      try {
        const d = await withMp3Decoder(decoder, () => decodeBytes(b));
        expect(d.samples.every(Number.isFinite)).toBe(true);
      } catch (e) {
        expect(e).toBeInstanceOf(AudioError);
      }
    }
    const e = await withMp3Decoder(decoder, () => decodeBytes(tagged.subarray(0, 6000))).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AudioError);
    expect((e as AudioError).message).toMatch(/^Audio is 0\.\d s long; at least 1 s is needed\.$/);
  });
});

describe.skipIf(!native.available)(`native and WASM decoders agree${native.available ? '' : ` (${SKIP})`}`, () => {
  it('give the same mono 22,050 Hz signal, at the same time', async () => {
    // Native's 2:1 synthesis only has even 44.1 kHz positions: with the tag's odd cut (576 + 529) it
    // runs one 44.1 kHz sample late, without a tag (nothing cut) it is on time.
    for (const [b, late] of [[plain, 0], [tagged, 1]] as const) {
      const w = (await withMp3Decoder('wasm', () => decodeBytes(b))).samples;
      const n = (await withMp3Decoder('native', () => decodeBytes(b))).samples;
      expect(n.length).toBe(w.length);
      const a = alignment(w, n);
      expect(a.atZero).toBeGreaterThan(0.99);
      expect(Math.abs(a.lag - late / 2)).toBeLessThan(0.1);
      const full = (await withMp3Decoder('wasm', () => decodeMono(b))).mono;
      const moved = new Float32Array(full.length);
      moved.set(full.subarray(0, full.length - late), late);
      const wLate = resample(moved, RATE, TARGET_RATE);
      expect(alignment(wLate, n, 1).atZero).toBeGreaterThan(0.999);
      // Below 8 kHz they are then the same signal; above, native keeps 10-11 kHz our resampler rolls off.
      expect(alignment(resample(wLate, TARGET_RATE, 16000), resample(n, TARGET_RATE, 16000), 1).atZero).toBeGreaterThan(0.99999);
    }
  });

  it('give the same outcome for damaged data', async () => {
    const r = rng(5);
    const outcome = (d: Mp3Decoder, b: Uint8Array) =>
      withMp3Decoder(d, () => decodeBytes(b)).then(
        (x) => `ok ${Math.round(x.duration_s)}`,
        (e: unknown) => (e instanceof AudioError ? e.code : String(e)),
      );
    for (let k = 0; k < 24; k++) {
      const b = k % 2 ? tagged.slice(0, Math.floor(r() * tagged.length)) : tagged.slice(Math.floor(r() * tagged.length));
      for (let j = 0; j < 10; j++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      expect(await outcome('native', b)).toBe(await outcome('wasm', b));
    }
  });

  it('decode Layer III only, and print nothing for a damaged frame that reads as Layer II', () => {
    // 104 bytes that parse as an MPEG-1 Layer II joint-stereo frame at 32 kbit/s: libmpg123's Layer II
    // code prints "Truncating stereo boundary to sideband limit." for it, whatever MPG123_QUIET says.
    const bogus = new Uint8Array(104);
    bogus.set([0xff, 0xfd, 0x10, 0x70]);
    const mid = frameOffsets(plain)[60];
    const input = bytes(plain.subarray(0, mid), bogus, plain.subarray(mid));
    const script = `const m = require('groovematch-mpg123'); const h = m.open(true); let n = 0;
      const b = require('fs').readFileSync(0); n += m.decode(h, new Uint8Array(b)).length; m.close(h); console.log(n);`;
    const run = spawnSync(process.execPath, ['-e', script], { input, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(Number(run.stdout)).toBe((frameOffsets(plain).length * 1152) / 2);
  });
});

describe('choosing the MP3 decoder', () => {
  it('reads the layer of the first frames, past an ID3 tag', () => {
    const frames = (b1: number, len: number) => {
      const f = new Uint8Array(len);
      f.set([0xff, b1, 0x90, 0x00]);
      return bytes(f, f, f);
    };
    expect(mpegLayer(frames(0xfb, 417))).toBe(3); // Layer III, 128 kbit/s, 44.1 kHz
    expect(mpegLayer(frames(0xfd, 417))).toBe(2); // Layer II: goes to WASM
    const id3 = Uint8Array.of(0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 20, ...new Array(20).fill(0));
    expect(mpegLayer(bytes(id3, frames(0xfb, 417)))).toBe(3);
    expect(mpegLayer(new Uint8Array(5000).fill(0x55))).toBeNull();
  });

  it('GROOVEMATCH_DECODER forces a path, and a wrong value is an error', async () => {
    expect(await withMp3Decoder('wasm', async () => mp3Decoder())).toBe('wasm');
    expect(await withMp3Decoder('auto' as Mp3Decoder, async () => mp3Decoder())).toBe(native.available ? 'native' : 'wasm');
    await expect(withMp3Decoder('fast' as Mp3Decoder, () => decodeBytes(plain))).rejects.toThrow(RangeError);
    if (native.available) expect(await withMp3Decoder('native', async () => mp3Decoder())).toBe('native');
    else await expect(withMp3Decoder('native', () => decodeBytes(plain))).rejects.toThrow(/not installed/);
  });
});
