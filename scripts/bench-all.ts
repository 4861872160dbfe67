/**
 * `npm run bench [-- --skip ann,query] [-- --quick]`: every benchmark in sequence, output as Markdown.
 *   decode  scripts/bench-decode.ts   MP3 decoding candidates (WASM, native libmpg123, ffmpeg...) on real files (~2 min)
 *   features scripts/bench-features.ts STFT, MFCC (vs meyda), autocorrelation, describe() (~1 min)
 *   memory  scripts/bench-memory.ts   peak memory analysing 5-50 min files, streamed vs whole (~2 min)
 *   ingest  scripts/bench-ingest.ts   analysis vs the origin's librosa pipeline vs ffmpeg (~2 min)
 *   query   scripts/bench-query.ts    server latency at 1/4/16 clients, index open times (~3 min)
 *   ann     scripts/bench-ann.ts      backends vs exact vs LSH/MinHash at 10k, 100k, 1M (~15 min)
 * --quick runs ann at 10k and 100k only and query without the 100k-item index.
 * Needs `npm run build` (query starts dist/cli.js), a catalogue in /tmp/gm-demo (`groovematch demo --data
 * /tmp/gm-demo --n 120`), one in /tmp/gm-real (ann; see docs/benchmarks.md), librosa for python3, ffmpeg.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

const here = import.meta.dirname;
const quick = process.argv.includes('--quick');
const at = process.argv.indexOf('--skip');
const skip = new Set(at > 0 ? process.argv[at + 1].split(',') : []);
const benches: [string, string[]][] = [
  ['decode', []],
  ['features', []],
  ['memory', []],
  ['ingest', []],
  ['query', quick ? ['--skip-100k'] : []],
  ['ann', quick ? ['--sizes', '10000,100000'] : []],
];

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`# groovematch benchmarks, ${new Date().toISOString()}\n`);
console.log(`${cpu}, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, node ${process.version}, ` +
  `load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
let failed = 0;
for (const [name, args] of benches) {
  if (skip.has(name)) continue;
  console.log(`## ${name}\n\n\`npx tsx scripts/bench-${name}.ts ${args.join(' ')}\`\n`);
  const t0 = performance.now();
  const r = spawnSync('npx', ['tsx', path.join(here, `bench-${name}.ts`), ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) failed++;
  console.log(`\n(${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s${r.status === 0 ? '' : `, FAILED with ${r.status}`})\n`);
}
process.exitCode = failed > 0 ? 1 : 0;
