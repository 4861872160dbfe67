import { DB_RANGE, type MelSpectrogram } from './frames.js';

/**
 * A print: a track's mel spectrogram coarsened to a few bands at a quarter of the STFT frame rate, as bytes.
 * It answers one question the rhythm vectors cannot: is this the same audio at this offset? Window vectors
 * describe a groove whatever its phase, so a loop lines up with any same-tempo loop at many offsets; the
 * spectrogram itself lines up only with the recording it came from (or the same performance). 8 bands of 8
 * mel bands each: on the generated corpora and 94 real excerpts, 4 bands of 16 placed fewer real sources first
 * and 16 bands of 4 no more, for twice the bytes (docs/quality.md). About 170 bytes per second of audio.
 */
export const PRINT_POOL = 4;

export interface Print {
  /** Frames per second. */
  fps: number;
  bands: number;
  /** Band-major: data[b * frames + t]. */
  data: Uint8Array;
}

export function printFrames(p: Print): number {
  return Math.floor(p.data.length / p.bands);
}

/** Mel bands averaged into one print band. */
export const PRINT_MEL_GROUP = 8;

/**
 * The print of a mel spectrogram: groups of PRINT_MEL_GROUP mel bands averaged (in dB), each frame the loudest of
 * its PRINT_POOL, as bytes over the spectrogram's DB_RANGE.
 */
export function spectrogramPrint(spec: MelSpectrogram): Print {
  const { frames: n, nMels, db } = spec;
  const bands = Math.floor(nMels / PRINT_MEL_GROUP);
  const frames = Math.floor(n / PRINT_POOL);
  let max = -Infinity;
  for (let i = 0; i < db.length; i++) if (db[i] > max) max = db[i];
  const floor = max - DB_RANGE;
  const data = new Uint8Array(bands * frames);
  for (let g = 0; g < bands; g++) {
    for (let t = 0; t < frames; t++) {
      let m = -Infinity;
      for (let f = t * PRINT_POOL, e = f + PRINT_POOL; f < e; f++) {
        let s = 0;
        for (let b = g * PRINT_MEL_GROUP, be = b + PRINT_MEL_GROUP; b < be; b++) s += db[f * nMels + b];
        if (s > m) m = s;
      }
      data[g * frames + t] = Math.max(0, Math.min(255, Math.round(((m / PRINT_MEL_GROUP - floor) / DB_RANGE) * 255)));
    }
  }
  return { fps: spec.fps / PRINT_POOL, bands, data };
}

/** Fewer overlapping frames than this (about 5 s) and two prints are not compared. */
const MIN_OVERLAP = 100;

/**
 * Correlation of upload frame t with track frame t + lag over their overlap: each band less its mean over
 * the overlap, the bands summed, so the loud bands count most. −1…1.
 */
function correlationAt(a: Print, b: Print, lag: number): number {
  const na = printFrames(a);
  const nb = printFrames(b);
  const from = Math.max(0, -lag);
  const to = Math.min(na, nb - lag);
  const n = to - from;
  if (n < MIN_OVERLAP) return 0;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let g = 0; g < a.bands; g++) {
    const ao = g * na;
    const bo = g * nb + lag;
    let ma = 0;
    let mb = 0;
    for (let t = from; t < to; t++) {
      ma += a.data[ao + t];
      mb += b.data[bo + t];
    }
    ma /= n;
    mb /= n;
    for (let t = from; t < to; t++) {
      const x = a.data[ao + t] - ma;
      const y = b.data[bo + t] - mb;
      sab += x * y;
      saa += x * x;
      sbb += y * y;
    }
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

export interface PrintMatch {
  correlation: number;
  /** Track time − upload time at the best lag, s. */
  offset_s: number;
}

/**
 * How well an upload's print matches a track's near an offset (track time − upload time, s): the best
 * correlation over lags within `search` seconds of it, and the offset where it is found.
 */
export function matchPrints(upload: Print, track: Print, offset_s: number, search: number): PrintMatch {
  // The stored rate is rounded to a millihertz.
  if (upload.bands !== track.bands || Math.abs(upload.fps - track.fps) > 0.01) return { correlation: 0, offset_s };
  const centre = Math.round(offset_s * upload.fps);
  const reach = Math.round(search * upload.fps);
  let best = { correlation: -1, offset_s };
  for (let lag = centre - reach; lag <= centre + reach; lag++) {
    const c = correlationAt(upload, track, lag);
    if (c > best.correlation) best = { correlation: c, offset_s: lag / upload.fps };
  }
  return best;
}

/** Stored form: one byte of band count, the frame rate in millihertz (uint32, little-endian), the data. */
export function printToBlob(p: Print): Buffer {
  const out = Buffer.alloc(5 + p.data.length);
  out[0] = p.bands;
  out.writeUInt32LE(Math.round(p.fps * 1000), 1);
  out.set(p.data, 5);
  return out;
}

export function blobToPrint(b: Uint8Array): Print | null {
  if (b.length < 5 || b[0] === 0) return null;
  const fps = (b[1] | (b[2] << 8) | (b[3] << 16) | (b[4] * 2 ** 24)) / 1000;
  return { bands: b[0], fps, data: b.subarray(5) };
}
