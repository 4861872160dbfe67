import { dsp, f32, f64, release, reuseOrAllocate, type DspKernels } from '../features/dsp.js';
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
 * The vectors in the WebAssembly kernels' memory, for their squared distances to up to `maxCentres` centres at
 * a time (the kernel sums each distance in dist2's order: the same numbers, two at a time, without JavaScript's
 * per-element overhead). Null where the kernels do not load.
 */
function kernelDistances(vectors: Float32Array[], maxCentres: number) {
  const k: DspKernels | null = dsp();
  const n = vectors.length;
  const dim = vectors[0]?.length ?? 0;
  if (!k || n === 0 || dim === 0 || vectors.some((v) => v.length !== dim)) return null;
  const blocks = Math.ceil(maxCentres / 2);
  const region = reuseOrAllocate(k, 4 * n * dim + 8 * blocks * 2 * dim + 8 * n * maxCentres + 4 * n + 32);
  const x = (region.ptr + 15) & ~15;
  const c2 = x + 4 * n * dim;
  const out = c2 + 8 * blocks * 2 * dim;
  const assigned = out + 8 * n * maxCentres;
  const xs = f32(k, x, n * dim);
  vectors.forEach((v, i) => xs.set(v, i * dim));
  const load = (centres: Float32Array[]) => {
    const c = f64(k, c2, Math.ceil(centres.length / 2) * 2 * dim);
    centres.forEach((cen, j) => {
      const base = Math.floor(j / 2) * 2 * dim + (j % 2);
      for (let d = 0; d < dim; d++) c[base + 2 * d] = cen[d];
    });
  };
  return {
    /** out[i·centres.length + j] = dist2(vectors[i], centres[j]); the centres stay loaded (update, distances). */
    run(centres: Float32Array[], into: Float64Array): void {
      load(centres);
      this.distances(centres.length, into);
    },
    /** Distances to the loaded centres. */
    distances(count: number, into: Float64Array): void {
      k.sq_distances(x, n, dim, c2, count, out);
      into.set(f64(k, out, n * count));
    },
    /** The loaded centres moved to their members' means (update_centres: the JavaScript's arithmetic). */
    update(assign: number[], count: number): void {
      new Int32Array(k.memory.buffer, assigned, n).set(assign);
      k.update_centres(x, n, dim, assigned, count, c2);
    },
    load,
    free(): void {
      release(region);
    },
  };
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
  const kd = kernelDistances(vectors, k);
  try {
    return lloyd(vectors, k, iterations, rand, kd);
  } finally {
    kd?.free();
  }
}

function lloyd(vectors: Float32Array[], k: number, iterations: number, rand: () => number, kd: ReturnType<typeof kernelDistances>): number[] {
  const n = vectors.length;
  const centres: Float32Array[] = [Float32Array.from(vectors[Math.floor(rand() * n)])];
  const one = new Float64Array(n);
  const toOne = (c: Float32Array): Float64Array => {
    if (kd) kd.run([c], one);
    else for (let i = 0; i < n; i++) one[i] = dist2(vectors[i], c);
    return one;
  };
  const d = Array.from(toOne(centres[0]));
  while (centres.length < k) {
    const total = d.reduce((s, x) => s + x, 0);
    if (total <= 0) break;
    let r = rand() * total;
    let pick = 0;
    while (pick < n - 1 && r > d[pick]) r -= d[pick++];
    centres.push(Float32Array.from(vectors[pick]));
    const dp = toOne(vectors[pick]);
    for (let i = 0; i < n; i++) d[i] = Math.min(d[i], dp[i]);
  }
  const assign = new Array<number>(n).fill(0);
  const dist = new Float64Array(centres.length);
  const all = new Float64Array(n * centres.length);
  if (kd) kd.load(centres);
  for (let it = 0; it < iterations; it++) {
    let moved = false;
    if (kd) kd.distances(centres.length, all);
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bd = Infinity;
      if (kd) dist.set(all.subarray(i * centres.length, (i + 1) * centres.length));
      else for (let j = 0; j < centres.length; j++) dist[j] = dist2(vectors[i], centres[j]);
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
    if (kd) {
      kd.update(assign, centres.length);
      continue;
    }
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
