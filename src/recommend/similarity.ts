/** Annoy's angular distance d = sqrt(2 − 2cos) as a similarity in [0, 1]: (1 + cos) / 2. */
export function similarityFromDistance(d: number): number {
  const s = 1 - (d * d) / 4;
  return Math.max(0, Math.min(1, s));
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * How much less an upload's other-octave reading (Analysis.alt_vector) counts than its own. Without it,
 * the better of two readings would lift unrelated tracks too; with it only a clearly better reading wins.
 * Chosen by `groovematch eval` (style P@10 0.806 → 0.821 on seed 1 at 0.15, flat from 0.15 to 0.2;
 * seed 2 0.810 → 0.827; identity and 1-NN unchanged).
 */
export const ALT_VIEW_PENALTY = 0.15;

/** An upload's cosine with a track: the better of its reading and its other-octave reading, less the penalty. */
export function bestOfReadings(cos: number, altCos: number | undefined): number {
  return altCos === undefined ? cos : Math.max(cos, altCos - ALT_VIEW_PENALTY);
}
