// Types for annoy-node 4.0.0 (CommonJS, ships none). Vectors must be plain Arrays of exactly `dimensions`
// numbers: a typed array makes the addon silently do nothing, a longer array overflows its stack buffer.
declare module 'annoy' {
  class Annoy {
    constructor(dimensions: number, metric: 'Angular' | 'Euclidean' | 'Manhattan');
    addItem(index: number, vector: number[]): void;
    build(trees?: number): void;
    save(path: string): boolean;
    load(path: string): boolean;
    unload(): void;
    getItem(index: number): number[];
    getNNsByVector(
      vector: number[],
      n: number,
      searchK: number,
      includeDistances: true,
    ): { neighbors: number[]; distances: number[] } | undefined;
    getNItems(): number;
    getDistance(a: number, b: number): number;
  }
  export = Annoy;
}
