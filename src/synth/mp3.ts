import { Mp3Encoder } from '@breezystack/lamejs';

export interface Mp3Tags {
  title?: string;
  artist?: string;
  album?: string;
  genre?: string;
  bpm?: number;
}

/** ID3v2.3 text frame: ISO-8859-1 when it fits, otherwise UTF-16 with BOM (v2.3 has no UTF-8). */
function textFrame(id: string, text: string): Uint8Array {
  const latin = [...text].every((ch) => ch.charCodeAt(0) < 256);
  const body = latin ? new Uint8Array(1 + text.length) : new Uint8Array(3 + text.length * 2);
  if (latin) {
    for (let i = 0; i < text.length; i++) body[1 + i] = text.charCodeAt(i);
  } else {
    body[0] = 1;
    body[1] = 0xff;
    body[2] = 0xfe;
    for (let i = 0; i < text.length; i++) {
      body[3 + 2 * i] = text.charCodeAt(i) & 0xff;
      body[4 + 2 * i] = text.charCodeAt(i) >> 8;
    }
  }
  const frame = new Uint8Array(10 + body.length);
  for (let i = 0; i < 4; i++) frame[i] = id.charCodeAt(i);
  new DataView(frame.buffer).setUint32(4, body.length);
  frame.set(body, 10);
  return frame;
}

export function id3v23(tags: Mp3Tags): Uint8Array {
  const entries: Array<[string, string | undefined]> = [
    ['TIT2', tags.title], ['TPE1', tags.artist], ['TALB', tags.album], ['TCON', tags.genre],
    ['TBPM', tags.bpm === undefined ? undefined : String(Math.round(tags.bpm))],
  ];
  const frames = entries.filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '').map(([id, v]) => textFrame(id, v));
  const size = frames.reduce((s, f) => s + f.length, 0);
  const out = new Uint8Array(10 + size);
  out.set([0x49, 0x44, 0x33, 3, 0, 0], 0);
  // The tag size is "syncsafe": 7 bits per byte so it can never look like an MPEG frame sync.
  out[6] = (size >> 21) & 0x7f;
  out[7] = (size >> 14) & 0x7f;
  out[8] = (size >> 7) & 0x7f;
  out[9] = size & 0x7f;
  let o = 10;
  for (const f of frames) {
    out.set(f, o);
    o += f.length;
  }
  return out;
}

/** Mono CBR MP3 via lamejs; with tags, an ID3v2.3 tag is written in front of the first frame. */
export function encodeMp3(samples: Float32Array, sampleRate: number, kbps = 128, tags?: Mp3Tags): Uint8Array {
  const enc = new Mp3Encoder(1, sampleRate, kbps);
  const chunks: Uint8Array[] = [];
  if (tags) chunks.push(id3v23(tags));
  const block = 11520;
  const pcm = new Int16Array(block);
  for (let i = 0; i < samples.length; i += block) {
    const len = Math.min(block, samples.length - i);
    for (let j = 0; j < len; j++) {
      const s = samples[i + j];
      pcm[j] = s >= 1 ? 32767 : s <= -1 ? -32768 : Math.round(s * 32767);
    }
    chunks.push(toBytes(enc.encodeBuffer(len === block ? pcm : pcm.subarray(0, len))));
  }
  chunks.push(toBytes(enc.flush()));
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** lamejs hands back Int8Array views whatever its typings say; reinterpret the bytes without copying. */
function toBytes(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
