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

/** An upload's cosine with a track: the better of its reading and its other-octave reading, less the penalty. */
export function bestOfReadings(cos: number, altCos: number | undefined, penalty = ALT_VIEW_PENALTY): number {
  return altCos === undefined ? cos : Math.max(cos, altCos - penalty);
}
