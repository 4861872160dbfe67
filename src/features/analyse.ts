import { decodeFile } from '../audio/decode.js';
import type { Analysis } from './types.js';
import { describe } from './vector.js';

export interface AnalyseOptions {
  /** Analyse at most this many seconds from the start (long uploads cost bounded time and memory). */
  maxSeconds?: number;
}

/** Decode a file and describe it. Throws AudioError for input that is not usable audio. */
export async function analyseFile(path: string, opts: AnalyseOptions = {}): Promise<Analysis> {
  const audio = await decodeFile(path, { maxSeconds: opts.maxSeconds });
  return describe(audio.samples, audio.sampleRate);
}
