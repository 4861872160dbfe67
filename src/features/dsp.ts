import { DSP_WASM_BASE64 } from './wasm/dsp-wasm.js';

/**
 * The analysis kernels of src/features/wasm/dsp.c (STFT windowing, mel bands in dB, DCT), compiled to
 * WebAssembly SIMD by scripts/build-dsp-wasm.sh. They do the JavaScript's arithmetic in its order and precision,
 * 3-8× faster; `dsp()` is null where the module does not instantiate (no WebAssembly SIMD), and callers then
 * run their JavaScript.
 */
export interface DspKernels {
  memory: WebAssembly.Memory;
  /** Bytes of memory, 16-aligned, never freed; 0 when memory is exhausted. */
  alloc(bytes: number): number;
  window_frames(sig: number, sigStart: number, sigLen: number, first: number, hop: number, count: number, nFft: number, win: number, out: number): void;
  mel_db(spec: number, count: number, nFft: number, nMels: number, offsets: number, bins: number, counts: number, weights: number, power: number, db: number): number;
  dct_rows(x: number, frames: number, nIn: number, dctT: number, nOut: number, out: number): void;
  onset_rows(db: number, t0: number, rows: number, nMels: number, level: number, table: number, lo: number, hi: number, first: number, count: number, nb: number, prev: number, cur: number, flux: number, out: number): number;
  lag_products(x: number, n: number, maxLag: number, size: number, tw: number, work: number, out: number): void;
  dots_by_four(x4: number, blocks: number, dim: number, q: number, out: number): void;
  high_pass(x: number, n: number, half: number, prefix: number, out: number): void;
  balanced_sum(bands: number, nb: number, n: number, half: number, scratch: number, prefix: number, out: number): void;
  tempo_acf(x: number, n: number, half: number, maxLag: number, size: number, tw: number, work: number, sums: number, hp: number, sm: number, r: number): void;
  sq_distances(x: number, n: number, dim: number, c2: number, k: number, out: number): void;
  update_centres(x: number, n: number, dim: number, assign: number, k: number, c2: number): void;
  column_range(db: number, rows: number, nMels: number, lo: number, hi: number): void;
  column_histogram(db: number, rows: number, nMels: number, lo: number, scale: number, bins: number, counts: number, stride: number): void;
  whitened_rows(db: number, t0: number, rows: number, nMels: number, ref: number, table: number, lo: number, hi: number, ring: number, depth: number, first: number, count: number, nb: number, rise: number, out: number): number;
}

let kernels: DspKernels | null | undefined;
let enabled = process.env.GROOVEMATCH_DSP !== 'js';

/** The kernels, or null where they do not instantiate or are switched off (GROOVEMATCH_DSP=js, useDsp(false)). */
export function dsp(): DspKernels | null {
  if (!enabled) return null;
  if (kernels === undefined) {
    try {
      const module = new WebAssembly.Module(Buffer.from(DSP_WASM_BASE64, 'base64'));
      kernels = new WebAssembly.Instance(module, {}).exports as unknown as DspKernels;
    } catch {
      kernels = null;
    }
  }
  return kernels;
}

/** Switches the kernels on or off (tests and benchmarks compare them with the JavaScript); returns the old setting. */
export function useDsp(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** Allocates in the module's memory or throws. */
export function allocate(k: DspKernels, bytes: number): number {
  const p = k.alloc(bytes);
  if (!p) throw new RangeError('out of WebAssembly memory for the analysis kernels');
  return p;
}

/** A typed view of the module's memory (make a fresh one after any allocation: memory may have grown). */
export function f32(k: DspKernels, ptr: number, length: number): Float32Array {
  return new Float32Array(k.memory.buffer, ptr, length);
}

export function f64(k: DspKernels, ptr: number, length: number): Float64Array {
  return new Float64Array(k.memory.buffer, ptr, length);
}

export function i32(k: DspKernels, ptr: number, length: number): Int32Array {
  return new Int32Array(k.memory.buffer, ptr, length);
}

/** Regions returned by release(), for reuse by allocations of at most their size (the allocator never frees). */
const released: { ptr: number; bytes: number }[] = [];

/** Like allocate, but first reuses a released region that is large enough. */
export function reuseOrAllocate(k: DspKernels, bytes: number): { ptr: number; bytes: number } {
  let best = -1;
  released.forEach((r, i) => {
    if (r.bytes >= bytes && (best < 0 || r.bytes < released[best].bytes)) best = i;
  });
  if (best >= 0) return released.splice(best, 1)[0];
  return { ptr: allocate(k, bytes), bytes };
}

/** Gives a region from reuseOrAllocate back. */
export function release(region: { ptr: number; bytes: number }): void {
  released.push(region);
}
