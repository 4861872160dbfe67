import type { Block } from '../features/standardise.js';
import type { BlockWeights, FeatureStats } from '../features/types.js';

/**
 * Standardised (not yet weighted) vectors of a set, packed row by row, with each row's squared norm per
 * block. Any weighting's cosine is then a few multiply-adds per block, so a weighting the index was not
 * built for is answered exactly by brute force.
 */
export interface StandardisedSet {
  dim: number;
  count: number;
  data: Float32Array;
  blockNorms: Float64Array;
  blocks: readonly Block[];
}

export function standardiseSet(vectors: Float32Array[], stats: FeatureStats, blocks: readonly Block[]): StandardisedSet {
  const dim = stats.mean.length;
  const data = new Float32Array(vectors.length * dim);
  const blockNorms = new Float64Array(vectors.length * blocks.length);
  vectors.forEach((v, r) => {
    const o = r * dim;
    for (let i = 0; i < dim; i++) data[o + i] = (v[i] - stats.mean[i]) / stats.std[i];
    blocks.forEach((b, j) => {
      let s = 0;
      for (let i = b.start; i < b.start + b.length; i++) s += data[o + i] * data[o + i];
      blockNorms[r * blocks.length + j] = s;
    });
  });
  return { dim, count: vectors.length, data, blockNorms, blocks };
}

/** Cosine between a raw query and every row of the set under the given weights. */
export function weightedCosines(set: StandardisedSet, raw: Float32Array, stats: FeatureStats, weights: BlockWeights): Float64Array {
  const { dim, blocks, data } = set;
  const z = new Float64Array(dim);
  for (let i = 0; i < dim; i++) z[i] = (raw[i] - stats.mean[i]) / stats.std[i];
  const scale = blocks.map((b) => Math.max(0, weights[b.name] ?? 0) / b.length);
  let qn = 0;
  blocks.forEach((b, j) => {
    let s = 0;
    for (let i = b.start; i < b.start + b.length; i++) s += z[i] * z[i];
    qn += scale[j] * s;
  });
  const out = new Float64Array(set.count);
  for (let r = 0; r < set.count; r++) {
    const o = r * dim;
    let dot = 0;
    let xn = 0;
    for (let j = 0; j < blocks.length; j++) {
      if (scale[j] === 0) continue;
      const b = blocks[j];
      let s = 0;
      for (let i = b.start; i < b.start + b.length; i++) s += z[i] * data[o + i];
      dot += scale[j] * s;
      xn += scale[j] * set.blockNorms[r * blocks.length + j];
    }
    const den = Math.sqrt(qn * xn);
    out[r] = den > 0 ? dot / den : 0;
  }
  return out;
}

/** Row indices of the k highest (or lowest) values, best first. */
export function topK(values: Float64Array, k: number, lowest = false): number[] {
  const idx = Array.from(values.keys());
  idx.sort((a, b) => (lowest ? values[a] - values[b] : values[b] - values[a]) || a - b);
  return idx.slice(0, k);
}
