import { MetricKind, exactSearch, type BatchMatches } from 'usearch';
import { computeStats, finalVector } from '../features/standardise.js';
import type { BlockWeights } from '../features/types.js';
import { BLOCKS, VECTOR_LENGTH } from '../features/vector.js';

/**
 * Which of its two octave readings each catalogue track is indexed with. The beat-relative blocks read a
 * track's beat in one canonical octave (80-160 BPM), so a groove family that spans the octave's edge is split:
 * jazz at 150 is read at 150, the same groove at 170 at 85; five-four at 150 and at 170 likewise. Each track
 * keeps the reading (as measured, or an octave away) whose CONSENSUS_NEIGHBOURS nearest other tracks are the
 * more similar on average, the other reading only when it wins by CONSENSUS_MARGIN and its neighbours there
 * are as close as a typical track's (at least the median support of the measured readings: cosines depend on
 * the catalogue's statistics), repeated until no track changes. A family is then read at one level, whichever
 * most of it already had, and a track whose other reading finds only loose company keeps its measured one.
 * No labels are used; on the generated corpora only tracks across the fold's edge move (docs/quality.md).
 */
export const CONSENSUS_NEIGHBOURS = 5;
export const CONSENSUS_MARGIN = 0.03;
const MAX_PASSES = 6;
/** Candidates kept per reading and kind: enough that k of them are other tracks' current readings. */
const candidates = (k: number) => 4 * k + 2;

export interface ConsensusOptions {
  neighbours?: number;
  margin?: number;
  /** Neighbours come from at most about this many tracks (CONSENSUS_REFERENCE). */
  reference?: number;
}

/** Up to this many tracks every track is compared with every other; above, with an even sample this large. */
export const CONSENSUS_REFERENCE = 4000;

/**
 * measured[i], other[i]: track i's final (unit) vectors as measured and an octave away (null: it has none).
 * Returns 0 (as measured) or 1 (the other reading) per track. Catalogues of fewer than 2k + 1 tracks keep
 * every track as measured: there is no neighbourhood to agree with.
 */
export function chooseReadings(measured: readonly Float32Array[], other: readonly (Float32Array | null)[], opts: ConsensusOptions = {}): Uint8Array {
  const n = measured.length;
  const choice = new Uint8Array(n);
  const k = opts.neighbours ?? CONSENSUS_NEIGHBOURS;
  const margin = opts.margin ?? CONSENSUS_MARGIN;
  if (n < 2 * k + 1) return choice;
  const dim = measured[0].length;
  const pack = (vs: readonly Float32Array[]) => {
    const out = new Float32Array(vs.length * dim);
    vs.forEach((v, i) => out.set(v, i * dim));
    return out;
  };
  const others = other.map((v, i) => v ?? measured[i]);
  const queries = pack([...measured, ...others]);
  // Neighbours are looked for among every step-th track: a large catalogue's families are large too, and the
  // search then grows with the catalogue instead of its square.
  const step = Math.ceil(n / (opts.reference ?? CONSENSUS_REFERENCE));
  const ref = Array.from({ length: Math.ceil(n / step) }, (_, j) => j * step);
  const readings = [pack(ref.map((i) => measured[i])), pack(ref.map((i) => others[i]))];
  // Each reading's nearest reference tracks as measured and read an octave away, merged best first. Brute
  // force (usearch's SIMD kernel, all cores): 0.5 s at 1,000 tracks, 7 s at 5,000 and 55 s at 20,000 here
  // (`npx tsx scripts/bench-readings.ts`); every track against every other took 329 s at 20,000
  // (`--all-pairs`), and an HNSW graph was no faster at 5,000 and lost neighbours among near-duplicates.
  const c = Math.min(ref.length, candidates(k));
  const found = readings.map((data) => exactSearch(data, queries, dim, c, MetricKind.Cos, 0) as BatchMatches);
  const near = Array.from({ length: 2 * n }, (_, q) => {
    const all = found.flatMap((f, r) => {
      const m = f.get(q);
      return Array.from(m.keys, (key, j) => ({ track: ref[Number(key)], reading: r, cos: 1 - m.distances[j] }));
    });
    return all.sort((x, y) => y.cos - x.cos);
  });
  /**
   * Mean cosine of reading q to the k nearest other tracks in their current readings; a neighbour beyond the
   * candidates counts as the lowest candidate, so a short list cannot inflate the mean.
   */
  const support = (q: number, self: number) => {
    let sum = 0;
    let got = 0;
    const list = near[q];
    for (let j = 0; j < list.length && got < k; j++) {
      const x = list[j];
      if (x.track === self || choice[x.track] !== x.reading) continue;
      sum += x.cos;
      got++;
    }
    const lowest = list.length > 0 ? list[list.length - 1].cos : 0;
    return (sum + (k - got) * lowest) / k;
  };
  const own = Float64Array.from({ length: n }, (_, i) => support(i, i));
  const floor = Float64Array.from(own).sort()[Math.floor(n / 2)];
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const next = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (!other[i]) continue;
      const moved = support(n + i, i);
      if (moved >= floor && moved - margin > support(i, i)) next[i] = 1;
    }
    const same = next.every((c, i) => c === choice[i]);
    choice.set(next);
    if (same) break;
  }
  return choice;
}

/**
 * chooseReadings over raw stored readings under `weights` (the build uses the rhythm weighting its index
 * is built with), standardised by the measured readings' statistics.
 */
export function chooseStoredReadings(
  items: readonly { vector: Float32Array; alt_vector?: Float32Array | null }[],
  weights: BlockWeights,
  opts: ConsensusOptions = {},
): Uint8Array {
  if (items.length === 0) return new Uint8Array(0);
  const stats = computeStats(items.map((r) => r.vector), VECTOR_LENGTH, BLOCKS);
  const f = (v: Float32Array) => finalVector(v, stats, BLOCKS, weights);
  return chooseReadings(items.map((r) => f(r.vector)), items.map((r) => (r.alt_vector ? f(r.alt_vector) : null)), opts);
}
