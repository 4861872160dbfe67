import { describe, expect, it } from 'vitest';
import { chanceLevel, identity, oneNnAccuracy, precisionAtK, precisionByLabel, rankByCosine, tempoAccuracy } from '../src/eval/metrics.js';
import { ALT_VIEW_PENALTY, SAME_TEMPO_POOL, TERNARY_VIEW_PENALTY, sameTempo, sameTempoPick } from '../src/recommend/similarity.js';

describe('eval metrics', () => {
  it('precision, 1-NN and chance on a case worked by hand', () => {
    const items = ['a', 'a', 'b', 'b', 'c'];
    const rankings = [
      [0, 2, 1],
      [4, 3, 2],
    ];
    expect(precisionAtK(rankings, ['a', 'b'], items, 3)).toBeCloseTo((2 / 3 + 2 / 3) / 2, 10);
    expect(oneNnAccuracy(rankings, ['a', 'b'], items)).toBe(0.5);
    expect(chanceLevel(items)).toBeCloseTo(0.16 + 0.16 + 0.04, 10);
  });

  it('identity scores hit@1, hit@10 and reciprocal rank', () => {
    const r = identity([[3, 1, 2], [1, 3, 2], Array.from({ length: 20 }, (_, i) => i)], [3, 3, 15]);
    expect(r.hit1).toBeCloseTo(1 / 3, 10);
    expect(r.hit10).toBeCloseTo(2 / 3, 10);
    expect(r.mrr).toBeCloseTo((1 + 1 / 2 + 1 / 16) / 3, 10);
  });

  it('style precision per style says where each style\'s misses go', () => {
    const items = ['rock', 'rock', 'disco', 'disco', 'jazz'];
    // Two rock queries and one jazz query, each with its 4 nearest items.
    const nn = [[0, 2, 1, 3], [2, 3, 0, 4], [4, 0, 2, 3]];
    const by = precisionByLabel(nn, ['rock', 'rock', 'jazz'], items, 4);
    expect(by.get('rock')!.p10).toBeCloseTo((2 / 4 + 1 / 4) / 2, 10);
    expect(by.get('rock')!.confused).toBe('disco');
    expect(by.get('rock')!.confusedShare).toBeCloseTo(4 / 8, 10);
    expect(by.get('jazz')!.p10).toBeCloseTo(1 / 4, 10);
    // Its misses: disco twice, rock once.
    expect(by.get('jazz')!.confused).toBe('disco');
    expect(precisionAtK(nn, ['rock', 'rock', 'jazz'], items, 4)).toBeCloseTo((0.5 + 0.25 + 0.25) / 3, 10);
  });

  it('tempo ACC1 and ACC2 follow the ±4 % and octave rules', () => {
    const r = tempoAccuracy([120, 60, 125, 181, 100], [120, 120, 120, 60, 120]);
    expect(r.acc1).toBeCloseTo(1 / 5, 10);
    expect(r.acc2).toBeCloseTo(3 / 5, 10);
  });

  it('ranking by cosine leaves the query item out and orders by angle', () => {
    const items = [Float32Array.of(1, 0), Float32Array.of(0, 1), Float32Array.of(1, 1), Float32Array.of(-1, 0)];
    expect(rankByCosine(Float32Array.of(1, 0.1), items, 0)).toEqual([2, 1, 3]);
  });

  it('a second reading lifts an item only when it beats the first by more than the penalty', () => {
    const q = Float32Array.of(1, 0);
    const alt = Float32Array.of(0, 1);
    const unit = (c: number) => Float32Array.of(c, Math.sqrt(1 - c * c));
    // Item 1 matches the second reading exactly: it scores 1 − ALT_VIEW_PENALTY (0.85).
    const below = [unit(1 - ALT_VIEW_PENALTY - 0.05), Float32Array.of(0, 1)];
    const above = [unit(1 - ALT_VIEW_PENALTY + 0.05), Float32Array.of(0, 1)];
    expect(rankByCosine(q, below)).toEqual([0, 1]);
    const others = [{ v: alt, penalty: ALT_VIEW_PENALTY }];
    expect(rankByCosine(q, below, -1, others)).toEqual([1, 0]);
    expect(rankByCosine(q, above, -1, others)).toEqual([0, 1]);
  });

  it('each other reading must win by its own penalty', () => {
    const q = Float32Array.of(1, 0, 0);
    const octave = { v: Float32Array.of(0, 1, 0), penalty: ALT_VIEW_PENALTY };
    const ternary = { v: Float32Array.of(0, 0, 1), penalty: TERNARY_VIEW_PENALTY };
    const tilt = (c: number) => Float32Array.of(c, 0, Math.sqrt(1 - c * c));
    // Item 1 matches the ternary reading exactly (1 − 0.25 = 0.75); item 0 sits between the two penalties.
    const between = [tilt(1 - (ALT_VIEW_PENALTY + TERNARY_VIEW_PENALTY) / 2), Float32Array.of(0, 0, 1)];
    expect(rankByCosine(q, between, -1, [octave, ternary])).toEqual([0, 1]);
    expect(rankByCosine(q, between, -1, [octave, { ...ternary, penalty: ALT_VIEW_PENALTY }])).toEqual([1, 0]);
  });

  it('expansion re-ranks by the first match plus the reading that found it', () => {
    const unit = (...xs: number[]) => {
      const n = Math.hypot(...xs);
      return Float32Array.from(xs, (x) => x / n);
    };
    // Item 0 is the nearest; item 2 lies beside item 0, item 1 beside the query on the other side.
    const q = unit(1, 0, 0);
    const items = [unit(0.9, 0.44, 0), unit(0.8, -0.3, 0.52), unit(0.75, 0.66, 0)];
    expect(rankByCosine(q, items)).toEqual([0, 1, 2]);
    expect(rankByCosine(q, items, -1, [], true)).toEqual([0, 2, 1]);
    // A first match below EXPANSION_MIN_COS expands nothing.
    const far = [unit(0.3, 0.95, 0), unit(0.2, 0, 0.98), unit(-0.2, 0.98, 0)];
    expect(rankByCosine(q, far, -1, [], true)).toEqual(rankByCosine(q, far));
  });
  it('the same tempo is a ratio within 0.3 % with octaves folded', () => {
    expect(sameTempo(120, 120.3)).toBe(true);
    expect(sameTempo(120, 240.5)).toBe(true);
    expect(sameTempo(120, 59.9)).toBe(true);
    expect(sameTempo(120, 120.6)).toBe(false);
    expect(sameTempo(120, 180)).toBe(false);
    expect(sameTempo(120, 0)).toBe(false);
    expect(sameTempo(120, 121, 0.01)).toBe(true);
  });

  it('the nearest match at the query tempo goes first, from the pool only and only if it is a match', () => {
    const unit = (c: number) => Float32Array.of(c, Math.sqrt(1 - c * c));
    const q = Float32Array.of(1, 0);
    // Descending cosines 0.95, 0.9, 0.8, 0.7; items 2 and 3 play at the query's tempo.
    const items = [unit(0.95), unit(0.9), unit(0.8), unit(0.7)];
    const tempi = { query: 124, items: [118, 131, 124.2, 62] };
    expect(rankByCosine(q, items)).toEqual([0, 1, 2, 3]);
    expect(rankByCosine(q, items, -1, [], false, tempi)).toEqual([2, 0, 1, 3]);
    // Beyond the pool it stays where it is; below the floor of a match (cosine 0.5) too.
    expect(rankByCosine(q, items, -1, [], false, { ...tempi, pool: 2 })).toEqual([0, 1, 2, 3]);
    const far = [unit(0.95), unit(0.4)];
    expect(rankByCosine(q, far, -1, [], false, { query: 124, items: [100, 124] })).toEqual([0, 1]);
    // The pool is counted in the query's own order.
    const order = Array.from({ length: SAME_TEMPO_POOL + 1 }, (_, i) => i);
    const cos = order.map((i) => 0.99 - i * 0.01);
    const tempos = order.map((i) => (i === SAME_TEMPO_POOL ? 124 : 100 + i));
    expect(sameTempoPick(order, cos, tempos, 124)).toBe(-1);
    expect(sameTempoPick(order, cos, tempos, 124, SAME_TEMPO_POOL + 1)).toBe(SAME_TEMPO_POOL);
  });
});
