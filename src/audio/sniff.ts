/** Container detection from magic bytes. File names lie; headers rarely do. */

export type AudioFormat = 'wav' | 'aiff' | 'flac' | 'ogg' | 'opus' | 'mp3' | 'm4a' | 'webm' | 'aac' | 'caf' | 'qoa';

/** Names for messages shown to users. */
export const FORMAT_LABELS: Record<AudioFormat, string> = {
  wav: 'WAV',
  aiff: 'AIFF',
  flac: 'FLAC',
  ogg: 'Ogg Vorbis',
  opus: 'Opus',
  mp3: 'MP3',
  m4a: 'M4A/MP4',
  webm: 'WebM/Matroska',
  aac: 'AAC',
  caf: 'CAF',
  qoa: 'QOA',
};

/** Lowercase, with the dot; for picking files out of a directory (content is still sniffed). */
export const AUDIO_EXTENSIONS: readonly string[] = [
  '.mp3', '.wav', '.flac', '.ogg', '.oga', '.opus', '.m4a', '.mp4', '.aac', '.aif', '.aiff', '.aifc', '.webm', '.caf',
];

export const ACCEPTED_FORMATS_TEXT = 'MP3, WAV, FLAC, Ogg Vorbis, Opus, M4A/AAC, AIFF, WebM';

/** ISO-BMFF brands that mean a still image, not a recording. */
const IMAGE_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1', 'avif', 'avis', 'crx ']);

export function sniffFormat(b: Uint8Array): AudioFormat | null {
  if (b.length < 4) return null;
  const tag = ascii(b, 0);
  const form = ascii(b, 8);
  if ((tag === 'RIFF' || tag === 'RF64') && form === 'WAVE') return 'wav';
  if (tag === 'FORM' && (form === 'AIFF' || form === 'AIFC')) return 'aiff';
  if (tag === 'fLaC') return 'flac';
  if (tag === 'caff') return 'caf';
  if (tag === 'qoaf') return 'qoa';
  if (tag === 'OggS') {
    const codec = oggCodec(b);
    return codec === 'opus' ? 'opus' : codec === 'flac' ? 'flac' : 'ogg';
  }
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return 'webm';
  if (ascii(b, 4) === 'ftyp') return IMAGE_BRANDS.has(form) ? null : 'm4a';
  const afterTag = id3End(b);
  if (afterTag > 0) {
    // An ID3v2 tag says "audio follows". Whatever does not look like FLAC or AAC is taken as MP3,
    // so a damaged file gets "could not be decoded" rather than "not audio".
    let i = afterTag;
    while (i < b.length && b[i] === 0) i++; // padding some taggers leave past the declared size
    if (ascii(b, i) === 'fLaC') return 'flac';
    if (adtsFrames(b, i)) return 'aac';
    return 'mp3';
  }
  if (adtsFrames(b, 0)) return 'aac';
  if (mpegFrames(b, 0)) return 'mp3';
  return null;
}

/** The codec of an Ogg stream's first packet, or null if it is none we know. */
export function oggCodec(b: Uint8Array): 'vorbis' | 'opus' | 'flac' | null {
  if (b.length < 28 || ascii(b, 0) !== 'OggS') return null;
  const p = 27 + b[26]; // after the segment table
  if (ascii(b, p, 8) === 'OpusHead') return 'opus';
  if (ascii(b, p + 1, 6) === 'vorbis' && b[p] === 1) return 'vorbis';
  if (ascii(b, p + 1, 4) === 'FLAC' && b[p] === 0x7f) return 'flac';
  return null;
}

function ascii(b: Uint8Array, at: number, n = 4): string {
  if (at + n > b.length) return '';
  return String.fromCharCode(...b.subarray(at, at + n));
}

/** Offset just past any leading ID3v2 tags, or 0 if there are none. */
function id3End(b: Uint8Array): number {
  let i = 0;
  while (
    i + 10 <= b.length && ascii(b, i, 3) === 'ID3' && b[i + 3] >= 2 && b[i + 3] <= 4 && b[i + 4] !== 0xff &&
    (b[i + 6] | b[i + 7] | b[i + 8] | b[i + 9]) < 0x80
  ) {
    const size = (b[i + 6] << 21) | (b[i + 7] << 14) | (b[i + 8] << 7) | b[i + 9];
    i += 10 + size + (b[i + 5] & 0x10 ? 10 : 0); // flag bit 4: a 10-byte footer follows
  }
  return i;
}

const BITRATES_KBPS = [
  [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448], // MPEG-1 layer I
  [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384], // MPEG-1 layer II
  [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320], // MPEG-1 layer III
  [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256], // MPEG-2/2.5 layer I
  [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160], // MPEG-2/2.5 layers II, III
];
const SAMPLE_RATES = [44100, 48000, 32000];

/** Byte length of the MPEG audio frame whose header is at `i`, or 0 if the header is invalid. */
function mpegFrameLength(b: Uint8Array, i: number): number {
  if (i + 4 > b.length || b[i] !== 0xff || (b[i + 1] & 0xe0) !== 0xe0) return 0;
  const version = (b[i + 1] >> 3) & 3; // 0: 2.5, 1: reserved, 2: MPEG-2, 3: MPEG-1
  const layer = 4 - ((b[i + 1] >> 1) & 3); // 4 means reserved
  const rateIndex = b[i + 2] >> 4;
  const srIndex = (b[i + 2] >> 2) & 3;
  // Free-format (index 0) has no computable length, so it cannot be confirmed by a second frame.
  if (version === 1 || layer === 4 || rateIndex === 0 || rateIndex === 15 || srIndex === 3) return 0;
  const v1 = version === 3;
  const kbps = BITRATES_KBPS[v1 ? layer - 1 : layer === 1 ? 3 : 4][rateIndex - 1];
  const sr = SAMPLE_RATES[srIndex] / (v1 ? 1 : version === 2 ? 2 : 4);
  const pad = (b[i + 2] >> 1) & 1;
  if (layer === 1) return (Math.floor((12000 * kbps) / sr) + pad) * 4;
  return Math.floor(((layer === 3 && !v1 ? 72000 : 144000) * kbps) / sr) + pad;
}

/** A valid MPEG frame at `i` followed by another with the same version, layer and sample rate. */
function mpegFrames(b: Uint8Array, i: number): boolean {
  const len = mpegFrameLength(b, i);
  if (!len) return false;
  const j = i + len;
  if (j + 4 > b.length) return j >= b.length; // a lone frame filling the file
  return mpegFrameLength(b, j) > 0 && (b[j + 1] & 0xfe) === (b[i + 1] & 0xfe) && (b[j + 2] & 0x0c) === (b[i + 2] & 0x0c);
}

/** ADTS (raw AAC) frame length at `i`, or 0. */
function adtsFrameLength(b: Uint8Array, i: number): number {
  if (i + 7 > b.length || b[i] !== 0xff || (b[i + 1] & 0xf6) !== 0xf0) return 0; // sync, layer 00
  if (((b[i + 2] >> 2) & 0xf) > 12) return 0; // sampling-frequency index
  const len = ((b[i + 3] & 3) << 11) | (b[i + 4] << 3) | (b[i + 5] >> 5);
  return len >= 7 ? len : 0;
}

function adtsFrames(b: Uint8Array, i: number): boolean {
  const len = adtsFrameLength(b, i);
  if (!len) return false;
  const j = i + len;
  if (j + 7 > b.length) return j >= b.length;
  return adtsFrameLength(b, j) > 0 && (b[j + 2] & 0x3c) === (b[i + 2] & 0x3c);
}

/** How far into an MP3 to look for its first pair of frames before giving up. */
const LAYER_SCAN_BYTES = 1 << 16;

/**
 * The MPEG audio layer (1, 2 or 3) of the first two consecutive frames past any ID3v2 tag, or null if
 * none turn up early on. Picks the decoder: the native one decodes Layer III (MP3) only.
 */
export function mpegLayer(b: Uint8Array): number | null {
  const start = id3End(b);
  const end = Math.min(b.length, start + LAYER_SCAN_BYTES);
  for (let i = start; i < end; i++) {
    if (b[i] === 0xff && mpegFrames(b, i)) return 4 - ((b[i + 1] >> 1) & 3);
  }
  return null;
}
