import { readFile } from 'node:fs/promises';
import { TARGET_RATE, decodeFile, decodeStream } from '../audio/decode.js';
import { MelStream } from './frames.js';
import type { MelHelper } from './mel-helper.js';
import { mfccMean40 } from './baseline.js';
import type { Analysis } from './types.js';
import { describe, describeSpectrogram, queryHop } from './vector.js';

export interface AnalyseOptions {
  /** Analyse at most this many seconds from the start (long uploads cost bounded time and memory). */
  maxSeconds?: number;
  /** Also compute the origin project's MFCC-mean descriptor (for `groovematch eval --baseline`). */
  baseline?: boolean;
  /** Describe as an upload (a finer window hop for alignment, and its readings a factor of three away) rather than as a catalogue track. */
  query?: boolean;
  /** An upload's readings (DescribeOptions.alt) without the upload's window hop: evaluation queries. */
  alt?: boolean;
}

/**
 * Decode a file and describe it. Throws AudioError for input that is not usable audio. With a MelHelper, the
 * spectrogram is computed in its thread while this one decodes (the same spectrogram, sooner).
 */
export async function analyseFile(path: string, opts: AnalyseOptions = {}, helper?: MelHelper): Promise<Analysis> {
  const hop = (duration: number) => ({ ...(opts.query ? { hop: queryHop(duration) } : {}), alt: opts.query || opts.alt });
  if (opts.baseline) {
    // The origin's descriptor needs the signal itself, so keep it (evaluation only).
    const audio = await decodeFile(path, { maxSeconds: opts.maxSeconds });
    const analysis = describe(audio.samples, audio.sampleRate, hop(audio.duration_s));
    analysis.baseline = mfccMean40(audio.samples, audio.sampleRate);
    return analysis;
  }
  if (helper?.usable) {
    const bytes = await readFile(path);
    const stream = helper.open(TARGET_RATE);
    let audio;
    try {
      audio = await decodeStream(bytes, { maxSeconds: opts.maxSeconds }, (x) => stream.push(x));
    } catch (err) {
      stream.drop();
      throw err;
    }
    let spec;
    try {
      spec = await stream.end();
    } catch (err) {
      // The helper thread died (not the file's doing: decoding succeeded): analyse in this thread instead.
      if (helper.usable) throw err;
      return analyseFile(path, opts);
    }
    return describeSpectrogram(spec, audio.duration_s, hop(audio.duration_s));
  }
  // The signal goes straight into the spectrogram as it is decoded and is never held whole.
  const mel = new MelStream(TARGET_RATE);
  const audio = await decodeStream(await readFile(path), { maxSeconds: opts.maxSeconds }, (x) => mel.push(x));
  return describeSpectrogram(mel.end(), audio.duration_s, hop(audio.duration_s));
}
