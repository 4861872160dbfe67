/** Annoy's angular distance d = sqrt(2 − 2cos) as a similarity in [0, 1]: (1 + cos) / 2. */
export function similarityFromDistance(d: number): number {
  const s = 1 - (d * d) / 4;
  return Math.max(0, Math.min(1, s));
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
