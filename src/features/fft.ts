import pffftSimd from '@echogarden/pffft-wasm/simd';
import pffftPlain from '@echogarden/pffft-wasm';

/**
 * PFFFT in WebAssembly (SIMD where the runtime has it): the STFT's forward transforms are the hot path
 * of analysis, and this one runs 2-3× faster than fft.js here (docs/benchmarks.md). Single precision,
 * which a spectrogram floored 80 dB down does not notice.
 */
const wasm = await pffftSimd().catch(() => pffftPlain());

const PFFFT_REAL = 0;
const FORWARD = 0;

/** A real forward transform of one size, with its input and output buffers inside the WebAssembly heap. */
export class PowerSpectrum {
  readonly size: number;
  private readonly setup: number;
  private readonly inPtr: number;
  private readonly outPtr: number;
  private readonly workPtr: number;
  private view: Float32Array | null = null;
  private outView: Float32Array | null = null;

  /** size: a power of two ≥ 32. */
  constructor(size: number) {
    if (!(size >= 32 && (size & (size - 1)) === 0)) throw new RangeError(`FFT size must be a power of two ≥ 32, not ${size}`);
    this.size = size;
    this.setup = wasm._pffft_new_setup(size, PFFFT_REAL);
    this.inPtr = wasm._pffft_aligned_malloc(size * 4);
    this.outPtr = wasm._pffft_aligned_malloc(size * 4);
    this.workPtr = wasm._pffft_aligned_malloc(size * 4);
  }

  /** The frame to fill before calling power(); call again after other allocations (the heap may have grown). */
  input(): Float32Array {
    if (!this.view || this.view.buffer !== wasm.HEAPF32.buffer) {
      this.view = wasm.HEAPF32.subarray(this.inPtr >> 2, (this.inPtr >> 2) + this.size);
    }
    return this.view;
  }

  /**
   * Transforms the frame in input(); the spectrum in PFFFT's ordered real layout ([X0, X(N/2), re1, im1, …]), as a
   * view that the next transform overwrites.
   */
  transform(): Float32Array {
    wasm._pffft_transform_ordered(this.setup, this.inPtr, this.outPtr, this.workPtr, FORWARD);
    if (!this.outView || this.outView.buffer !== wasm.HEAPF32.buffer) {
      this.outView = wasm.HEAPF32.subarray(this.outPtr >> 2, (this.outPtr >> 2) + this.size);
    }
    return this.outView;
  }

  /** |X[k]|² for k = 0 … size/2 of the frame in input(), into out. */
  power(out: Float64Array): void {
    const h = this.transform();
    const half = this.size / 2;
    out[0] = h[0] * h[0];
    out[half] = h[1] * h[1];
    for (let k = 1; k < half; k++) {
      const re = h[2 * k];
      const im = h[2 * k + 1];
      out[k] = re * re + im * im;
    }
  }
}
