/**
 * Time of the build's reading consensus (src/catalog/readings.ts) against catalogue size:
 * `npx tsx scripts/bench-readings.ts [--sizes 1000,5000,20000] [--all-pairs]` (every track against every other
 * instead of the reference sample). Vectors: clusters of 20 tracks around random
 * centres in the track vector's 1,006 dimensions, each track's other reading a random other direction (so
 * almost none move; the time is the neighbour search, which does not depend on that).
 */
import os from 'node:os';
import { chooseReadings } from '../src/catalog/readings.js';
import { VECTOR_LENGTH } from '../src/features/vector.js';
import { arg } from './args.js';

const sizes = arg('sizes', '1000,5000,20000').split(',').map(Number);
const allPairs = process.argv.includes('--all-pairs');
// mulberry32: 32-bit integer steps, so the sequence does not lose precision (and repeat) over millions of draws.
let seed = 12345;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32 - 0.5;
};
const unit = (v: Float32Array) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const randomVector = () => unit(Float32Array.from({ length: VECTOR_LENGTH }, rand));

console.log(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, node ${process.version}, ${new Date().toISOString()}\n`);
console.log('| tracks | consensus (s) | per track (ms) | moved |\n|---|---|---|---|');
for (const n of sizes) {
  const centres = Array.from({ length: Math.ceil(n / 20) }, randomVector);
  const measured = Array.from({ length: n }, (_, i) => unit(centres[Math.floor(i / 20)].map((x) => x + 0.3 * rand() / Math.sqrt(VECTOR_LENGTH))));
  const other = Array.from({ length: n }, randomVector);
  const t = performance.now();
  const choice = chooseReadings(measured, other, allPairs ? { reference: n } : {});
  const s = (performance.now() - t) / 1000;
  console.log(`| ${n} | ${s.toFixed(2)} | ${((s * 1000) / n).toFixed(3)} | ${choice.reduce((a, c) => a + c, 0)} |`);
}
