/** The parts of the Emscripten module of @echogarden/pffft-wasm (PFFFT 'ordered' real transforms) used here. */
interface PffftModule {
  HEAPF32: Float32Array;
  _pffft_new_setup(n: number, transform: number): number;
  _pffft_transform_ordered(setup: number, input: number, output: number, work: number, direction: number): void;
  _pffft_aligned_malloc(bytes: number): number;
  _pffft_simd_size(): number;
}

declare module '@echogarden/pffft-wasm/simd' {
  const factory: () => Promise<PffftModule>;
  export default factory;
}

declare module '@echogarden/pffft-wasm' {
  const factory: () => Promise<PffftModule>;
  export default factory;
}
