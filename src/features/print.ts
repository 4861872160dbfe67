import { acfSize, fftOf } from './acf.js';
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

/** Frames from … to − 1 of a print (clamped to it), as a print of its own. */
export function slicePrint(p: Print, from: number, to: number): Print {
  const n = printFrames(p);
  const a = Math.max(0, Math.min(n, from));
  const b = Math.max(a, Math.min(n, to));
  const data = new Uint8Array(p.bands * (b - a));
  for (let g = 0; g < p.bands; g++) data.set(p.data.subarray(g * n + a, g * n + b), g * (b - a));
  return { fps: p.fps, bands: p.bands, data };
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
 * Σ_t a[g][t]·b[g][t + lag] summed over bands, for every lag in lo…lo + count − 1: per band one cross-correlation
 * through the FFT (zeros outside the track), since this runs for every lag of every candidate track.
 */
function crossProducts(a: Print, b: Print, lo: number, count: number): Float64Array {
  const na = printFrames(a);
  const nb = printFrames(b);
  const span = na + count - 1;
  // Lags 0 … count − 1 of an na-frame signal: acfSize's no-wrap size, as for the autocorrelations.
  const size = acfSize(na, count - 1);
  const fft = fftOf(size);
  const X = uploaded(a).spectra(size);
  const y = new Float64Array(size);
  const Y = fft.createComplexArray() as number[];
  const R = fft.createComplexArray() as number[];
  const r = fft.createComplexArray() as number[];
  const out = new Float64Array(count);
  for (let g = 0; g < a.bands; g++) {
    y.fill(0);
    for (let t = Math.max(0, -lo); t < span && lo + t < nb; t++) y[t] = b.data[g * nb + lo + t];
    fft.realTransform(Y, y);
    fft.completeSpectrum(Y);
    const Xg = X[g];
    // conj(X)·Y: the correlation of x against y.
    for (let k = 0; k < 2 * size; k += 2) {
      R[k] = Xg[k] * Y[k] + Xg[k + 1] * Y[k + 1];
      R[k + 1] = Xg[k] * Y[k + 1] - Xg[k + 1] * Y[k];
    }
    fft.inverseTransform(r, R);
    for (let l = 0; l < count; l++) out[l] += r[2 * l];
  }
  return out;
}

/** What every candidate track reuses of one upload's print: its running sums, and its band spectra per FFT size. */
interface Uploaded {
  sums: Sums;
  spectra(size: number): number[][];
}

const uploads = new WeakMap<Print, Uploaded>();

function uploaded(a: Print): Uploaded {
  let u = uploads.get(a);
  if (!u) {
    const bySize = new Map<number, number[][]>();
    const na = printFrames(a);
    u = {
      sums: runningSums(a, 0, na),
      spectra(size) {
        let X = bySize.get(size);
        if (!X) {
          const fft = fftOf(size);
          const x = new Float64Array(size);
          X = Array.from({ length: a.bands }, (_, g) => {
            for (let t = 0; t < na; t++) x[t] = a.data[g * na + t];
            const out = fft.createComplexArray() as number[];
            fft.realTransform(out, x);
            fft.completeSpectrum(out);
            return out;
          });
          bySize.set(size, X);
        }
        return X;
      },
    };
    uploads.set(a, u);
  }
  return u;
}

export interface PrintMatch {
  correlation: number;
  /** Track time − upload time at the best lag, s. */
  offset_s: number;
}

interface Sums {
  s: Float64Array;
  ss: Float64Array;
  /** Entries per band. */
  w: number;
}

/**
 * Per band, running sums of x and x² over frames from … to − 1 of a print (to − from + 1 entries per band), so
 * the sums over any span inside are two lookups.
 */
function runningSums(p: Print, from: number, to: number): Sums {
  const n = printFrames(p);
  const w = to - from + 1;
  const s = new Float64Array(p.bands * w);
  const ss = new Float64Array(p.bands * w);
  for (let g = 0; g < p.bands; g++) {
    const o = g * w;
    const d = g * n + from;
    for (let t = 0; t < w - 1; t++) {
      const x = p.data[d + t];
      s[o + t + 1] = s[o + t] + x;
      ss[o + t + 1] = ss[o + t] + x * x;
    }
  }
  return { s, ss, w };
}

/**
 * How well an upload's print matches a track's near an offset (track time − upload time, s): the best
 * correlation over lags within `search` seconds of it, and the offset where it is found. At each lag, upload
 * frame t faces track frame t + lag over their overlap; each band less its mean over the overlap, the bands
 * summed, so the loud bands count most (−1…1). The cross products come from crossProducts; the means and
 * energies from running sums.
 */
export function matchPrints(upload: Print, track: Print, offset_s: number, search: number): PrintMatch {
  // The stored rate is rounded to a millihertz.
  if (upload.bands !== track.bands || Math.abs(upload.fps - track.fps) > 0.01) return { correlation: 0, offset_s };
  const na = printFrames(upload);
  const nb = printFrames(track);
  const centre = Math.round(offset_s * upload.fps);
  const reach = Math.round(search * upload.fps);
  const lo = centre - reach;
  const count = 2 * reach + 1;
  // Only the track frames some lag reaches.
  const first = Math.max(0, lo);
  const last = Math.max(first, Math.min(nb, lo + count - 1 + na));
  const su = uploaded(upload).sums;
  const st = runningSums(track, first, last);
  const cross = crossProducts(upload, track, lo, count);
  let best = { correlation: -1, offset_s };
  for (let i = 0; i < count; i++) {
    const lag = lo + i;
    const from = Math.max(0, -lag);
    const to = Math.min(na, nb - lag);
    const n = to - from;
    if (n < MIN_OVERLAP) {
      if (best.correlation < 0) best = { correlation: 0, offset_s: lag / upload.fps };
      continue;
    }
    let cov = cross[i];
    let va = 0;
    let vb = 0;
    for (let g = 0; g < upload.bands; g++) {
      const pa = g * su.w;
      const pb = g * st.w + lag - first;
      const sumA = su.s[pa + to] - su.s[pa + from];
      const sumB = st.s[pb + to] - st.s[pb + from];
      cov -= (sumA * sumB) / n;
      va += su.ss[pa + to] - su.ss[pa + from] - (sumA * sumA) / n;
      vb += st.ss[pb + to] - st.ss[pb + from] - (sumB * sumB) / n;
    }
    const c = va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
    if (c > best.correlation) best = { correlation: c, offset_s: lag / upload.fps };
  }
  return best;
}
