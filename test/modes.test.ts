import { describe, expect, it } from 'vitest';
import { computeStats, finalVector } from '../src/features/standardise.js';
import { BLOCKS, DEFAULT_WEIGHTS, VECTOR_LENGTH } from '../src/features/vector.js';
import { MODES, WeightsError, resolveWeights, sameWeights } from '../src/recommend/modes.js';
import { standardiseSet, topK, weightedCosines } from '../src/recommend/weighted.js';

function randomVectors(n: number, seed: number): Float32Array[] {
  let s = seed;
  const rand = () => ((s = (s * 1664525 + 1013904223) % 2 ** 32) / 2 ** 32) * 2 - 1;
  return Array.from({ length: n }, () => Float32Array.from({ length: VECTOR_LENGTH }, () => rand() * 3 + 1));
}

describe('modes and weights', () => {
  it('resolves modes and overrides, and refuses what it cannot use', () => {
    expect(resolveWeights()).toEqual(DEFAULT_WEIGHTS);
    expect(resolveWeights('timbre', 'tempo=0.5').tempo).toBe(0.5);
    expect(() => resolveWeights('disco')).toThrow(WeightsError);
    expect(() => resolveWeights('rhythm', 'groove=1')).toThrow(/Unknown block/);
    expect(() => resolveWeights('rhythm', 'tempo=-1')).toThrow(/from 0 to 100/);
    expect(() => resolveWeights('timbre', 'timbre=0')).toThrow(/above 0/);
  });

  it('treats weightings that differ by a common scale as the same', () => {
    const doubled = Object.fromEntries(Object.entries(DEFAULT_WEIGHTS).map(([k, v]) => [k, 2 * v]));
    expect(sameWeights(DEFAULT_WEIGHTS, doubled)).toBe(true);
    expect(sameWeights(DEFAULT_WEIGHTS, MODES.pattern)).toBe(false);
  });

  it('the exact weighted search gives the cosine of the final vectors, for every mode', () => {
    const items = randomVectors(40, 3);
    const query = randomVectors(1, 99)[0];
    const stats = computeStats(items, VECTOR_LENGTH, BLOCKS);
    const set = standardiseSet(items, stats, BLOCKS);
    for (const w of Object.values(MODES)) {
      const cos = weightedCosines(set, query, stats, w);
      const q = finalVector(query, stats, BLOCKS, w);
      items.forEach((v, i) => {
        const f = finalVector(v, stats, BLOCKS, w);
        let dot = 0;
        for (let j = 0; j < f.length; j++) dot += f[j] * q[j];
        expect(cos[i]).toBeCloseTo(dot, 5);
      });
      const best = topK(cos, 3);
      expect(cos[best[0]]).toBeGreaterThanOrEqual(cos[best[1]]);
      expect(topK(cos, 1, true)[0]).toBe(Array.from(cos.keys()).sort((a, b) => cos[a] - cos[b])[0]);
    }
  });
});
