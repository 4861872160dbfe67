import { readFile } from 'node:fs/promises';
import decoders, { type AudioData, type StreamDecoder } from 'audio-decode';
import { AudioError } from './errors.js';
import { toMono } from './mono.js';
import { mp3Decoder, NativeMp3, type Piece } from './mpg123.js';
import { StreamResampler } from './resample-stream.js';
import { ACCEPTED_FORMATS_TEXT, FORMAT_LABELS, mpegLayer, oggCodec, sniffFormat, type AudioFormat } from './sniff.js';

export const TARGET_RATE = 22050;
export const MIN_DURATION_S = 1;

export interface DecodeOptions {
  /** Keep only the first N seconds (≥ MIN_DURATION_S); the rest is decoded for its length but not kept. */
  maxSeconds?: number;
}

export interface DecodedAudio {
  /** Mono at `sampleRate` (= TARGET_RATE). */
  samples: Float32Array;
  sampleRate: number;
  /** Length of `samples`, after any truncation. */
  duration_s: number;
  /** What the file held; with maxSeconds, `duration_s` is only what was decoded (decoding stops at the cap). */
  source: { format: string; sampleRate: number; channels: number; duration_s: number };
}

/** audio-decode's decoder for each container we sniff. */
const DECODER: Record<AudioFormat, keyof typeof decoders> = {
  wav: 'wav', aiff: 'aiff', flac: 'flac', ogg: 'oga', opus: 'opus', mp3: 'mp3',
  m4a: 'm4a', webm: 'webm', aac: 'aac', caf: 'caf', qoa: 'qoa',
};

/**
 * Input is fed in slices so each slice's channels can be mixed down and dropped at once. Larger
 * slices make the WebM demuxer quadratic (a 4-minute file: 0.6 s at 64 KB, 13 s at 1 MB).
 */
const CHUNK_BYTES = 1 << 16;
/** More non-finite samples than this share means the decoder produced garbage, not a glitch. */
const MAX_BAD_SHARE = 0.01;

export async function decodeFile(path: string, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  return decodeBytes(await readFile(path), opts);
}

export async function decodeBytes(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  const pcm = await decodeMono(bytes, opts, TARGET_RATE);
  return { samples: pcm.mono, ...describePcm(pcm, pcm.mono.length) };
}

/**
 * decodeBytes that hands the mono 22,050 Hz signal to `sink` as it is decoded instead of keeping it:
 * memory then grows with what the sink keeps, not with the length of the file.
 */
export async function decodeStream(
  bytes: Uint8Array,
  opts: DecodeOptions,
  sink: (chunk: Float32Array) => void,
): Promise<Omit<DecodedAudio, 'samples'>> {
  let n = 0;
  const pcm = await decodeMono(bytes, opts, TARGET_RATE, (x) => {
    n += x.length;
    sink(x);
  });
  return describePcm(pcm, n);
}

function describePcm(pcm: MonoPcm, samples: number): Omit<DecodedAudio, 'samples'> {
  return {
    sampleRate: TARGET_RATE,
    duration_s: samples / TARGET_RATE,
    source: { format: pcm.format, sampleRate: pcm.sampleRate, channels: pcm.channels, duration_s: pcm.frames / pcm.sampleRate },
  };
}

export interface MonoPcm {
  format: AudioFormat;
  /** Mono at the rate asked for (the source rate by default), truncated to maxSeconds; empty with a sink. */
  mono: Float32Array;
  sampleRate: number;
  channels: number;
  /** Frames decoded: the whole file's, or (with maxSeconds) at least the kept ones. */
  frames: number;
}

/**
 * Every check of decodeBytes; mono at `toRate`, or at the source rate when not given (the benchmark
 * times decoding and resampling apart).
 */
export async function decodeMono(
  bytes: Uint8Array,
  opts: DecodeOptions = {},
  toRate?: number,
  sink?: (chunk: Float32Array) => void,
): Promise<MonoPcm> {
  const { maxSeconds } = opts;
  if (maxSeconds !== undefined && !(maxSeconds >= MIN_DURATION_S)) {
    throw new RangeError(`maxSeconds must be at least ${MIN_DURATION_S}`);
  }
  if (bytes.length === 0) throw new AudioError('empty', 'The file is empty.');
  const format = sniffFormat(bytes);
  if (!format) {
    throw new AudioError('not_audio', `This file is not a recognised audio format. Accepted formats: ${ACCEPTED_FORMATS_TEXT}.`);
  }
  if (format === 'ogg' && oggCodec(bytes) !== 'vorbis') throw unsupported('Ogg');
  const pcm = await decodeToMono(bytes, format, FORMAT_LABELS[format], maxSeconds, toRate, sink);
  const duration = pcm.frames / pcm.sampleRate;
  if (duration < MIN_DURATION_S) {
    const shown = (Math.floor(duration * 10) / 10).toFixed(1); // 0.97 must not read as "1.0 s"
    throw new AudioError('too_short', `Audio is ${shown} s long; at least ${MIN_DURATION_S} s is needed.`);
  }
  return pcm;
}

/** A decoder fed the file slice by slice; `push()` without bytes ends the input. */
interface Source {
  push(bytes?: Uint8Array): Promise<Piece | null> | Piece | null;
  free(): void;
}

async function decodeToMono(
  bytes: Uint8Array,
  format: AudioFormat,
  label: string,
  maxSeconds?: number,
  toRate?: number,
  sink?: (chunk: Float32Array) => void,
): Promise<MonoPcm> {
  const pieces: Float32Array[] = [];
  // Resampled as it arrives: a long file is never held whole at its source rate (an hour of 44.1 kHz
  // mono is 635 MB; at 22,050 Hz half that).
  let resampler = null as StreamResampler | null;
  let out = 0;
  const keep = (x: Float32Array) => {
    if (x.length === 0) return;
    if (sink) sink(x);
    else pieces.push(x);
    out += x.length;
  };
  // `kept` counts samples at the decoder's output rate `rate`, `frames` at the file's own rate.
  let kept = 0;
  let frames = 0;
  let channels = 0;
  let rate = 0;
  let sourceRate = 0;
  let bad = 0;
  const take = (p: Piece | null) => {
    if (!p) return;
    if (!rate) {
      if (!(p.rate >= 1000 && p.rate <= 1_000_000)) throw new AudioError('corrupt', `The ${label} file reports an impossible sample rate.`);
      ({ rate, sourceRate, channels } = p);
      if (toRate && toRate !== rate) resampler = new StreamResampler(rate, toRate);
    }
    frames += (p.mono.length * sourceRate) / rate;
    const room = maxSeconds === undefined ? p.mono.length : Math.ceil(maxSeconds * rate) - kept;
    if (room <= 0) return;
    const mono = p.mono.length > room ? p.mono.slice(0, room) : p.mono;
    bad += zeroNonFinite(mono);
    kept += mono.length;
    keep(resampler ? resampler.push(mono) : mono);
  };

  // Past the cap the rest is not decoded at all: a 14 h upload costs what its first maxSeconds cost.
  const full = () => maxSeconds !== undefined && rate > 0 && kept >= Math.ceil(maxSeconds * rate);

  // Outside the try: a decoder that fails to load is a server fault, not a bad file. The native decoder
  // takes Layer III only (MP1/MP2 and MP3s whose first frames are damaged go to WASM), and its 2:1
  // synthesis is asked for only when the caller wants a rate it can serve (22,050 Hz).
  const native = format === 'mp3' && mp3Decoder() === 'native' && mpegLayer(bytes) === 3;
  const src: Source = native ? new NativeMp3(toRate !== undefined && toRate <= TARGET_RATE) : await wasmSource(format);
  try {
    let at = 0;
    if (format === 'wav' && bytes[0] === 0x52 && bytes[1] === 0x46 && bytes[2] === 0x36) {
      // RF64 is RIFF with 64-bit sizes in a 'ds64' chunk; the WAV decoder skips that chunk and reads
      // the 0xFFFFFFFF data size as "to the end", so relabelling the magic is all it takes.
      const head = bytes.slice(0, 12);
      head.set([0x52, 0x49, 0x46, 0x46]); // 'RIFF'
      take(await src.push(head));
      at = 12;
    }
    for (; at < bytes.length && !full(); at += CHUNK_BYTES) take(await src.push(bytes.subarray(at, at + CHUNK_BYTES)));
    // libmpg123 holds nothing back at the end of a feed, so only the WASM decoders are asked to flush.
    if (!native) take(await src.push());
  } catch (e) {
    if (e instanceof AudioError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    // A cut-off MP4 loses its 'moov' index at the end and then also reports "no audio track".
    const truncatedMp4 = format === 'm4a' && !hasTopLevelBox(bytes, 'moov');
    if (!truncatedMp4 && /unsupported|not support|no decoder|no audio track|no aac/i.test(msg)) throw unsupported(label);
    throw corrupt(label);
  } finally {
    src.free();
  }
  if (frames === 0) throw corrupt(label);
  if (bad > kept * MAX_BAD_SHARE) throw corrupt(label);
  if (resampler) keep(resampler.end());
  return { format, mono: sink ? new Float32Array(0) : concat(pieces, out), sampleRate: sourceRate, channels, frames };
}

/** audio-decode's decoder for `format`, each call's channels mixed to mono. */
async function wasmSource(format: AudioFormat): Promise<Source> {
  const dec: StreamDecoder = await decoders[DECODER[format]]();
  const piece = ({ channelData, sampleRate }: AudioData): Piece | null =>
    (channelData[0]?.length ?? 0) === 0 ? null : { mono: toMono(channelData), rate: sampleRate, sourceRate: sampleRate, channels: channelData.length };
  return {
    push: async (b) => piece(await quietly(() => (b ? dec(b) : dec()))),
    free: () => dec.free(),
  };
}

function corrupt(label: string): AudioError {
  return new AudioError('corrupt', `The ${label} data could not be decoded (file truncated or damaged?).`);
}

function unsupported(label: string): AudioError {
  return new AudioError(
    'unsupported',
    `This ${label} file uses an audio codec that is not supported, or has no audio track. Accepted formats: ${ACCEPTED_FORMATS_TEXT}.`,
  );
}

/**
 * mpg123 writes every bad frame to console.error, so one damaged upload floods the server log.
 * The wasm decoders do their work synchronously inside the call, so nothing else can log meanwhile.
 */
function quietly<T>(f: () => T): T {
  const saved = console.error;
  console.error = () => {};
  try {
    return f();
  } finally {
    console.error = saved;
  }
}

/** Whether an ISO-BMFF file has a complete top-level box of this type. */
function hasTopLevelBox(b: Uint8Array, type: string): boolean {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 0;
  while (at + 8 <= b.length) {
    let size = view.getUint32(at);
    if (size === 1 && at + 16 <= b.length) size = Number(view.getBigUint64(at + 8));
    else if (size === 0) size = b.length - at;
    if (size < 8) return false;
    if (String.fromCharCode(...b.subarray(at + 4, at + 8)) === type) return at + size <= b.length;
    at += size;
  }
  return false;
}

/** Replace NaN and ±Infinity by 0 in place; returns how many there were. */
function zeroNonFinite(x: Float32Array): number {
  let bad = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v - v !== 0) {
      x[i] = 0;
      bad++;
    }
  }
  return bad;
}

function concat(pieces: Float32Array[], total: number): Float32Array {
  if (pieces.length === 1) return pieces[0];
  const out = new Float32Array(total);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
