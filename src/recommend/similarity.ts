import type { Analysis, BlockWeights } from '../features/types.js';
import type { Reading } from './types.js';

/** Annoy's angular distance d = sqrt(2 − 2cos) as a similarity in [0, 1]: (1 + cos) / 2. */
export function similarityFromDistance(d: number): number {
  const s = 1 - (d * d) / 4;
  return Math.max(0, Math.min(1, s));
}

/** A cosine as a similarity in [0, 1]: (1 + cos) / 2, the scale similarityFromDistance gives an index distance. */
export function similarityFromCosine(cos: number): number {
  return Math.max(0, Math.min(1, (1 + cos) / 2));
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * How much less an upload's other-octave reading (Analysis.alt_vector) counts than its own. Without it,
 * the better of two readings would lift unrelated tracks too; with it only a clearly better reading wins.
 * `npx tsx scripts/eval-ranking.ts [--seed 2]` sweeps it: style P@10 of the rhythm mode 0.806 / 0.810
 * (seeds 1 / 2) with one reading, 0.822 / 0.830 with the second at 0.15; identity and 1-NN unchanged.
 */
export const ALT_VIEW_PENALTY = 0.15;

/**
 * The same for its readings a factor of three away (Analysis.ternary): a 3:2 relation is rarer than an
 * octave and such a reading resembles more unrelated grooves, so it must win by more. Swept by
 * `npx tsx scripts/eval-ranking.ts` (docs/quality.md).
 */
export const TERNARY_VIEW_PENALTY = 0.25;

const TERNARY_READINGS: readonly [number, Reading][] = [[1.5, '3:2 time'], [0.75, '3:4 time'], [2 / 3, '2:3 time'], [4 / 3, '4:3 time']];

/** The label of a reading a factor of three away, by its tempo ratio (the nearest of the four). */
function ternaryReading(factor: number): Reading {
  const d = (r: number) => Math.abs(Math.log(factor / r));
  return TERNARY_READINGS.reduce((best, x) => (d(x[0]) < d(best[0]) ? x : best))[1];
}

/**
 * An upload's readings besides its own, as raw vectors with what each must win by and how a match it decides
 * is labelled: the octave reading, then the ternary ones. The product (src/recommend/query.ts) and `eval`
 * rank by the same list.
 */
export function otherReadings(a: Analysis): { raw: Float32Array; penalty: number; reading: Reading }[] {
  return [
    ...(a.alt_vector ? [{ raw: a.alt_vector, penalty: ALT_VIEW_PENALTY, reading: (a.alt_factor === 0.5 ? 'half time' : 'double time') as Reading }] : []),
    ...(a.ternary ?? []).map((t) => ({ raw: t.vector, penalty: TERNARY_VIEW_PENALTY, reading: ternaryReading(t.factor) })),
  ];
}

/**
 * The best of an upload's readings for one track: `others[i]` (a cosine, or undefined when the upload has no
 * such reading) less `penalties[i]`, against its own cosine. `reading` is the index of the winner, −1 for its own.
 */
export function bestReading(own: number, others: readonly (number | undefined)[], penalties: readonly number[]): { cos: number; reading: number } {
  let cos = own;
  let reading = -1;
  others.forEach((c, i) => {
    if (c !== undefined && c - penalties[i] > cos) {
      cos = c - penalties[i];
      reading = i;
    }
  });
  return { cos, reading };
}

/**
 * Query expansion (src/recommend/query.ts) only from a best track at least this close (cosine; similarity
 * 0.75): a track less alike than that is no match to sharpen the list with.
 */
export const EXPANSION_MIN_COS = 0.5;

/** The expanded query: a reading of the upload plus its best track's final vector, as a unit vector. */
export function expandQuery(reading: Float32Array, best: Float32Array): Float32Array {
  const q = Float32Array.from(reading, (x, i) => x + best[i]);
  let n = 0;
  for (const x of q) n += x * x;
  n = Math.sqrt(n);
  if (n > 0) for (let i = 0; i < q.length; i++) q[i] /= n;
  return q;
}

/**
 * Two tempi this close, octaves folded (a ratio within 0.3 %), are the same tempo as a DJ counts it: a track
 * at it plays along with the upload without a pitch change. The tempo estimate of one groove on two kits
 * agrees to within 0.1 % on the generated corpora, and 1 % already admits other grooves.
 */
export const SAME_TEMPO_TOLERANCE = 0.003;

/** Among this many nearest by the upload's own readings, a track at its tempo is looked for. */
export const SAME_TEMPO_POOL = 20;

export function sameTempo(a: number, b: number, tolerance = SAME_TEMPO_TOLERANCE): boolean {
  if (!(a > 0 && b > 0)) return false;
  const octaves = Math.log2(a / b);
  return Math.abs(octaves - Math.round(octaves)) <= Math.log2(1 + tolerance);
}

/**
 * Which candidate goes first for sharing the upload's tempo: the nearest (by `cos`, the upload's own best
 * reading) of the first SAME_TEMPO_POOL that plays at its tempo and is a match at all (cosine at least
 * EXPANSION_MIN_COS); −1 for none. The same groove on another kit sits at the same tempo but may rank below a
 * different groove of its style at another tempo: cross-kit identity hit@1 0.960 / 0.973 / 0.967 → 0.980 /
 * 0.990 / 0.987 on three generated corpora, style P@10 unchanged or +0.001 (`npx tsx scripts/eval-ranking.ts`).
 * `order` lists candidate indices by descending cos.
 */
export function sameTempoPick(
  order: readonly number[],
  cos: ArrayLike<number>,
  tempos: ArrayLike<number>,
  tempo: number,
  pool = SAME_TEMPO_POOL,
  tolerance = SAME_TEMPO_TOLERANCE,
): number {
  for (const i of order.slice(0, pool)) {
    if (cos[i] < EXPANSION_MIN_COS) return -1;
    if (sameTempo(tempo, tempos[i], tolerance)) return i;
  }
  return -1;
}

/** The same-tempo rule applies where the exact tempo counts at all: a weighting with a bpm block. */
export function usesSameTempo(weights: BlockWeights): boolean {
  return (weights.bpm ?? 0) > 0;
}
