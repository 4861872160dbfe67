import { decodeFile } from '../audio/decode.js';
import { mfccMean40 } from './baseline.js';
import type { Analysis } from './types.js';
import { describe, queryHop } from './vector.js';

export interface AnalyseOptions {
  /** Analyse at most this many seconds from the start (long uploads cost bounded time and memory). */
  maxSeconds?: number;
  /** Also compute the origin project's MFCC-mean descriptor (for `groovematch eval --baseline`). */
  baseline?: boolean;
  /** Describe segments as an upload (a finer window hop for alignment) rather than as a catalogue track. */
  query?: boolean;
}

/** Decode a file and describe it. Throws AudioError for input that is not usable audio. */
export async function analyseFile(path: string, opts: AnalyseOptions = {}): Promise<Analysis> {
  const audio = await decodeFile(path, { maxSeconds: opts.maxSeconds });
  const analysis = describe(audio.samples, audio.sampleRate, opts.query ? { hop: queryHop(audio.duration_s) } : {});
  if (opts.baseline) analysis.baseline = mfccMean40(audio.samples, audio.sampleRate);
  return analysis;
}
