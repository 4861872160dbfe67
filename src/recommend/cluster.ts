// The synthesiser's seeded PRNG, so the same matches always get the same cluster numbers.
import { mulberry32 } from '../synth/random.js';

function dist2(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return s;
}

/**
 * dist2(v, centres[j]) for every j into out: three centres per pass over the dimensions, each sum in the same order
 * as dist2's, so the same numbers with a third of the passes (a sum's additions wait on each other; three
 * independent sums do not).
 */
function distances(v: Float32Array, centres: Float32Array[], out: Float64Array): void {
  const n = v.length;
  let j = 0;
  for (; j + 3 <= centres.length; j += 3) {
    const a = centres[j];
    const b = centres[j + 1];
    const c = centres[j + 2];
    let sa = 0;
    let sb = 0;
    let sc = 0;
    for (let i = 0; i < n; i++) {
      const x = v[i];
      const da = x - a[i];
      const db = x - b[i];
      const dc = x - c[i];
      sa += da * da;
      sb += db * db;
      sc += dc * dc;
    }
    out[j] = sa;
    out[j + 1] = sb;
    out[j + 2] = sc;
  }
  for (; j < centres.length; j++) out[j] = dist2(v, centres[j]);
}

/**
 * k-means (k-means++ seeding, Lloyd iterations) over vectors; returns a cluster number per vector,
 * numbered by first appearance so cluster 0 is the group of the first row.
 */
export function kmeans(vectors: Float32Array[], k: number, seed = 1, iterations = 25): number[] {
  const n = vectors.length;
  if (n === 0) return [];
  k = Math.max(1, Math.min(k, n));
  const rand = mulberry32(seed);
  const centres: Float32Array[] = [Float32Array.from(vectors[Math.floor(rand() * n)])];
  const d = vectors.map((v) => dist2(v, centres[0]));
  while (centres.length < k) {
    const total = d.reduce((s, x) => s + x, 0);
    if (total <= 0) break;
    let r = rand() * total;
    let pick = 0;
    while (pick < n - 1 && r > d[pick]) r -= d[pick++];
    centres.push(Float32Array.from(vectors[pick]));
    for (let i = 0; i < n; i++) d[i] = Math.min(d[i], dist2(vectors[i], vectors[pick]));
  }
  const assign = new Array<number>(n).fill(0);
  const dist = new Float64Array(centres.length);
  for (let it = 0; it < iterations; it++) {
    let moved = false;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bd = Infinity;
      distances(vectors[i], centres, dist);
      for (let j = 0; j < centres.length; j++) {
        if (dist[j] < bd) {
          bd = dist[j];
          best = j;
        }
      }
      if (assign[i] !== best) moved = true;
      assign[i] = best;
    }
    if (!moved && it > 0) break;
    centres.forEach((c, j) => {
      const members = vectors.filter((_, i) => assign[i] === j);
      if (members.length === 0) return;
      c.fill(0);
      for (const m of members) for (let x = 0; x < c.length; x++) c[x] += m[x] / members.length;
    });
  }
  const order = new Map<number, number>();
  return assign.map((a) => {
    if (!order.has(a)) order.set(a, order.size);
    return order.get(a)!;
  });
}

/** How many rhythm groups to show for n matches: about sqrt(n/2), between 1 and 6. */
export function clusterCount(n: number): number {
  return Math.max(1, Math.min(6, Math.round(Math.sqrt(n / 2))));
}
