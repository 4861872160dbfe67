import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe as suite, expect, it } from 'vitest';
import { annoyLeafCapacity, buildAnnoyIndex, openAnnoyIndex } from '../src/catalog/ann.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-annoy-leaf-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function vectors(n: number, dim: number, seed: number): Float32Array[] {
  let s = seed;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5;
  return Array.from({ length: n }, () => Float32Array.from({ length: dim }, rnd));
}

function withAddon<T>(f: () => T): T {
  process.env.GROOVEMATCH_ANNOY_LEAF = 'addon';
  try {
    return f();
  } finally {
    delete process.env.GROOVEMATCH_ANNOY_LEAF;
  }
}

suite('Annoy index of one leaf per tree', () => {
  it('answers with the addon\'s ids and distances bit for bit', () => {
    const dim = 96;
    for (const n of [1, 7, annoyLeafCapacity(dim)]) {
      const file = path.join(dir, `leaf-${n}.ann`);
      const vs = vectors(n, dim, n + 3);
      buildAnnoyIndex(vs, dim, file, { trees: 5 });
      const fast = openAnnoyIndex(file, dim);
      const slow = withAddon(() => openAnnoyIndex(file, dim));
      const queries = [...vs.slice(0, 10), ...vectors(10, dim, 99), new Float32Array(dim)];
      for (const q of queries) {
        for (const k of [1, 5, n + 2]) {
          const a = fast.query(q, k);
          const b = slow.query(q, k);
          expect(a.ids).toEqual(b.ids);
          expect(a.distances).toEqual(b.distances);
        }
      }
      fast.close();
      slow.close();
    }
  });

  it('leaves larger indexes to the addon: its approximate answers, not a brute-force scan', () => {
    const dim = 16;
    const file = path.join(dir, 'big.ann');
    const vs = vectors(400, dim, 5);
    expect(vs.length).toBeGreaterThan(annoyLeafCapacity(dim));
    buildAnnoyIndex(vs, dim, file, { trees: 3 });
    const idx = openAnnoyIndex(file, dim);
    const addon = withAddon(() => openAnnoyIndex(file, dim));
    const exact = (q: Float32Array) => {
      const cos = vs.map((v) => {
        let d = 0;
        let a = 0;
        let b = 0;
        for (let i = 0; i < dim; i++) {
          d += v[i] * q[i];
          a += v[i] * v[i];
          b += q[i] * q[i];
        }
        return d / Math.sqrt(a * b);
      });
      return cos.map((c, i) => [c, i]).sort((x, y) => y[0] - x[0]).slice(0, 10).map(([, i]) => i);
    };
    let differs = 0;
    for (const q of vectors(40, dim, 77)) {
      // A small search_k: Annoy examines a few leaves and misses some true neighbours.
      const got = idx.query(q, 10, 30);
      expect(got.ids).toEqual(addon.query(q, 10, 30).ids);
      if (got.ids.join() !== exact(q).join()) differs++;
    }
    // Some answers differ from brute force, so the equality above could tell a scan from the addon.
    expect(differs).toBeGreaterThan(0);
    idx.close();
    addon.close();
  });
});
