/**
 * The origin project's alternatives to a tree or graph index, for scripts/bench-ann.ts only:
 * random-hyperplane LSH (SimHash) with multi-probe, and MinHash-LSH over quantised features.
 * Both gather candidates from hash buckets and re-rank them by exact cosine, which is the best
 * accuracy either can reach; their memory therefore includes the vectors.
 */

export interface Searcher {
  name: string;
  settings: string;
  query(q: Float32Array, k: number): number[];
  /** Bytes needed at query time (tables + whatever vectors the re-ranking reads). */
  bytes: number;
}

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-300)) * Math.cos(2 * Math.PI * r());
}

/** Buckets as sorted keys with offsets into one id array (CSR): 4 bytes per item plus 8 per bucket. */
class Table {
  readonly keys: Int32Array;
  readonly starts: Uint32Array;
  readonly ids: Uint32Array;

  constructor(itemKeys: Int32Array) {
    const n = itemKeys.length;
    const order = new Uint32Array(n).map((_, i) => i);
    order.sort((a, b) => itemKeys[a] - itemKeys[b] || a - b);
    const keys: number[] = [];
    const starts: number[] = [];
    for (let i = 0; i < n; i++) {
      if (i === 0 || itemKeys[order[i]] !== itemKeys[order[i - 1]]) {
        keys.push(itemKeys[order[i]]);
        starts.push(i);
      }
    }
    starts.push(n);
    this.keys = Int32Array.from(keys);
    this.starts = Uint32Array.from(starts);
    this.ids = order;
  }

  get bytes(): number {
    return this.keys.byteLength + this.starts.byteLength + this.ids.byteLength;
  }

  /** Calls visit for each id in the bucket of key. */
  each(key: number, visit: (id: number) => void): void {
    let lo = 0;
    let hi = this.keys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const k = this.keys[mid];
      if (k === key) {
        for (let i = this.starts[mid]; i < this.starts[mid + 1]; i++) visit(this.ids[i]);
        return;
      }
      if (k < key) lo = mid + 1;
      else hi = mid - 1;
    }
  }
}

/** Exact cosine re-ranking of a candidate set (vectors are unit). */
class Reranker {
  private readonly seen: Uint32Array;
  private stamp = 0;
  private cand: number[] = [];
  candidates = 0;

  constructor(
    private readonly data: Float32Array,
    private readonly dim: number,
  ) {
    this.seen = new Uint32Array(data.length / dim);
  }

  start(): void {
    this.stamp++;
    this.cand = [];
  }

  add = (id: number): void => {
    if (this.seen[id] === this.stamp) return;
    this.seen[id] = this.stamp;
    this.cand.push(id);
  };

  top(q: Float32Array, k: number): number[] {
    const { data, dim } = this;
    this.candidates += this.cand.length;
    const scored = this.cand.map((id) => {
      let s = 0;
      for (let j = 0, o = id * dim; j < dim; j++) s += q[j] * data[o + j];
      return { id, s };
    });
    scored.sort((a, b) => b.s - a.s || a.id - b.id);
    return scored.slice(0, k).map((x) => x.id);
  }
}

/**
 * SimHash: L tables of b random hyperplanes each; an item's key is its b sign bits. Multi-probe also
 * visits, per table, the buckets one bit away along the `probes` hyperplanes the query is closest to.
 */
export function simhash(data: Float32Array, dim: number, opts: { tables: number; bits: number; probes: number; seed?: number }): Searcher {
  const { tables: L, bits: b, probes } = opts;
  const n = data.length / dim;
  const r = rng(opts.seed ?? 1);
  const planes = new Float32Array(L * b * dim).map(() => gaussian(r));
  const project = (v: Float32Array, o: number, out: Float64Array) => {
    for (let p = 0; p < L * b; p++) {
      let s = 0;
      for (let j = 0, h = p * dim; j < dim; j++) s += v[o + j] * planes[h + j];
      out[p] = s;
    }
  };
  const proj = new Float64Array(L * b);
  const keys = Array.from({ length: L }, () => new Int32Array(n));
  for (let i = 0; i < n; i++) {
    project(data, i * dim, proj);
    for (let t = 0; t < L; t++) {
      let key = 0;
      for (let j = 0; j < b; j++) if (proj[t * b + j] > 0) key |= 1 << j;
      keys[t][i] = key;
    }
  }
  const tabs = keys.map((k) => new Table(k));
  const rr = new Reranker(data, dim);
  return {
    name: 'simhash',
    settings: `L=${L}, b=${b}, probes=${probes}`,
    bytes: (tabs.reduce((s, t) => s + t.bytes, 0) + planes.byteLength) / n + dim * 4,
    query(q, k) {
      project(q, 0, proj);
      rr.start();
      for (let t = 0; t < L; t++) {
        let key = 0;
        for (let j = 0; j < b; j++) if (proj[t * b + j] > 0) key |= 1 << j;
        tabs[t].each(key, rr.add);
        if (probes > 0) {
          const near = Array.from({ length: b }, (_, j) => j).sort(
            (x, y) => Math.abs(proj[t * b + x]) - Math.abs(proj[t * b + y]),
          );
          for (let p = 0; p < probes; p++) tabs[t].each(key ^ (1 << near[p]), rr.add);
        }
      }
      return rr.top(q, k);
    },
  };
}

/** Per-dimension quantile edges, so each of `bins` bins holds a similar share of the items. */
function quantileEdges(data: Float32Array, dim: number, bins: number): Float32Array {
  const n = data.length / dim;
  const step = Math.max(1, Math.floor(n / 20_000));
  const edges = new Float32Array(dim * (bins - 1));
  const col: number[] = [];
  for (let d = 0; d < dim; d++) {
    col.length = 0;
    for (let i = 0; i < n; i += step) col.push(data[i * dim + d]);
    col.sort((a, b) => a - b);
    for (let e = 1; e < bins; e++) edges[d * (bins - 1) + e - 1] = col[Math.floor((e * col.length) / bins)];
  }
  return edges;
}

/**
 * MinHash-LSH: each vector becomes the set of tokens (dimension, quantile bin of its value); `bins` = 2
 * is "which dimensions are above their median". bands × rows min-hashes, one table per band keyed by a
 * hash of its rows. Dimensions that never vary (zero block weight) are left out of the sets.
 * `oph`: one-permutation hashing with rotation densification (Shrivastava & Li 2014) instead of one
 * permutation per min-hash: the same collision probabilities, bands × rows times less hashing to build.
 */
export function minhash(
  data: Float32Array,
  dim: number,
  opts: { bins: number; bands: number; rows: number; oph?: boolean; seed?: number },
): Searcher {
  const { bins, bands, rows } = opts;
  const n = data.length / dim;
  const H = bands * rows;
  const edges = quantileEdges(data, dim, bins);
  const live: number[] = [];
  for (let d = 0; d < dim; d++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < Math.min(n, 5000); i++) {
      lo = Math.min(lo, data[i * dim + d]);
      hi = Math.max(hi, data[i * dim + d]);
    }
    if (hi > lo) live.push(d);
  }
  const r = rng(opts.seed ?? 2);
  // A random 31-bit value per (token, hash function) stands in for a random permutation: token-major, so
  // the inner loop over hash functions reads memory in order, and below 2^31 so V8 keeps them small ints.
  const perm = new Int32Array((opts.oph ? 1 : H) * dim * bins).map(() => Math.floor(r() * 2 ** 31));
  const sig = new Int32Array(H);
  const tokenOf = (v: Float32Array, o: number, d: number) => {
    let bin = 0;
    while (bin < bins - 1 && v[o + d] > edges[d * (bins - 1) + bin]) bin++;
    return d * bins + bin;
  };
  const width = 2 ** 31 / H;
  const raw = new Int32Array(H);
  const onePermutation = (v: Float32Array, o: number) => {
    raw.fill(-1);
    for (const d of live) {
      const x = perm[tokenOf(v, o, d)];
      const b = Math.floor(x / width);
      if (raw[b] < 0 || x < raw[b]) raw[b] = x;
    }
    // An empty bin takes the next non-empty bin to its right, offset by the distance so borrowed values
    // from different distances never match.
    let last = -1;
    let lastAt = 0;
    for (let j = 2 * H - 1; j >= 0; j--) {
      const b = j % H;
      if (raw[b] >= 0) {
        last = raw[b];
        lastAt = j;
      }
      if (j < H) sig[b] = raw[b] >= 0 || last < 0 ? raw[b] : (last + (lastAt - j) * 0x9e3779b1) | 0;
    }
  };
  const signature = (v: Float32Array, o: number) => {
    if (opts.oph) return onePermutation(v, o);
    sig.fill(0x7fffffff);
    for (const d of live) {
      let bin = 0;
      while (bin < bins - 1 && v[o + d] > edges[d * (bins - 1) + bin]) bin++;
      const at = (d * bins + bin) * H;
      for (let h = 0; h < H; h++) {
        const x = perm[at + h];
        if (x < sig[h]) sig[h] = x;
      }
    }
  };
  const bandKey = (band: number) => {
    let x = 0x811c9dc5;
    for (let j = band * rows; j < (band + 1) * rows; j++) x = Math.imul(x ^ sig[j], 0x01000193);
    return x | 0;
  };
  const keys = Array.from({ length: bands }, () => new Int32Array(n));
  for (let i = 0; i < n; i++) {
    signature(data, i * dim);
    for (let band = 0; band < bands; band++) keys[band][i] = bandKey(band);
  }
  const tabs = keys.map((k) => new Table(k));
  const rr = new Reranker(data, dim);
  return {
    name: 'minhash',
    settings: `bins=${bins}, ${bands}×${rows}${opts.oph ? ', OPH' : ''}`,
    bytes: tabs.reduce((s, t) => s + t.bytes, 0) / n + dim * 4,
    query(q, k) {
      signature(q, 0);
      rr.start();
      for (let band = 0; band < bands; band++) tabs[band].each(bandKey(band), rr.add);
      return rr.top(q, k);
    },
  };
}
