/**
 * The native MP3 decoder (native/mpg123, the system's libmpg123 behind N-API), when it is installed.
 * It is an optional dependency: without libmpg123-dev it does not build and MP3s go to audio-decode's
 * WASM build of the same mpg123, about 4× slower. GROOVEMATCH_DECODER=wasm forces that fallback;
 * GROOVEMATCH_DECODER=native makes a missing addon an error instead of a silent fallback.
 */
import { createRequire } from 'node:module';

/** The addon's four calls (native/mpg123/mpg123.c). */
interface Addon {
  open(halve: boolean): object;
  decode(handle: object, bytes: Uint8Array): Float32Array;
  /** [output rate, source rate, source channels] once the first frame is decoded. */
  format(handle: object): [number, number, number] | null;
  close(handle: object): void;
}

/** Decoded mono audio from one slice of input, at `rate`; `sourceRate` and `channels` describe the file. */
export interface Piece {
  mono: Float32Array;
  rate: number;
  sourceRate: number;
  channels: number;
}

export type Mp3Decoder = 'native' | 'wasm';

let addon: Addon | null | undefined;
let whyMissing = '';

function load(): Addon | null {
  if (addon === undefined) {
    try {
      addon = createRequire(import.meta.url)('groovematch-mpg123') as Addon;
    } catch (e) {
      addon = null;
      // The usual case: libmpg123-dev was missing at npm ci, so the optional dependency did not build.
      const notBuilt = (e as { code?: string }).code === 'MODULE_NOT_FOUND';
      whyMissing = notBuilt ? 'not built' : (e instanceof Error ? e.message : String(e)).split('\n')[0];
    }
  }
  return addon;
}

/** Whether the addon loads, and if not, why (for test skips and the benchmark). */
export function nativeMp3Status(): { available: boolean; reason: string } {
  return { available: load() !== null, reason: whyMissing };
}

/** Read on every call, so a benchmark or test can switch paths within one process. */
export function mp3Decoder(): Mp3Decoder {
  const wanted = process.env.GROOVEMATCH_DECODER ?? '';
  if (wanted === 'wasm') return 'wasm';
  if (wanted !== '' && wanted !== 'auto' && wanted !== 'native') {
    throw new RangeError(`GROOVEMATCH_DECODER must be native, wasm or auto, not "${wanted}"`);
  }
  if (load()) return 'native';
  if (wanted === 'native') {
    throw new Error(`GROOVEMATCH_DECODER=native, but the groovematch-mpg123 addon is not installed (${whyMissing})`);
  }
  return 'wasm';
}

/** Runs `f` with MP3s sent to one decoder, then restores the setting (benchmarks and tests compare paths). */
export async function withMp3Decoder<T>(decoder: Mp3Decoder, f: () => Promise<T>): Promise<T> {
  const saved = process.env.GROOVEMATCH_DECODER;
  process.env.GROOVEMATCH_DECODER = decoder;
  try {
    return await f();
  } finally {
    if (saved === undefined) delete process.env.GROOVEMATCH_DECODER;
    else process.env.GROOVEMATCH_DECODER = saved;
  }
}

/**
 * One MP3 (MPEG Layer III) stream fed slice by slice; frames of other layers are skipped. With `halve`, 44.1 and 48 kHz come out at half rate from
 * mpg123's 2:1 synthesis; the caller asks for it only when it wants 22,050 Hz anyway.
 */
export class NativeMp3 {
  private readonly lib: Addon;
  private readonly handle: object;

  constructor(halve: boolean) {
    const lib = load();
    if (!lib) throw new Error(`the groovematch-mpg123 addon is not installed (${whyMissing})`);
    this.lib = lib;
    this.handle = lib.open(halve);
  }

  push(bytes: Uint8Array): Piece | null {
    const mono = this.lib.decode(this.handle, bytes);
    const f = this.lib.format(this.handle);
    return f && mono.length > 0 ? { mono, rate: f[0], sourceRate: f[1], channels: f[2] } : null;
  }

  free(): void {
    this.lib.close(this.handle);
  }
}
