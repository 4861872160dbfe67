/**
 * Feature stages before and after, in one run: `npx tsx scripts/bench-stages.ts [--ref REF] [--runs 5] [--n 20]`.
 * REF's src/ (default: the merge base of HEAD and main) is checked out into a scratch folder as check-vectors.ts
 * does, and both trees' stages run on the same decoded signals, alternating run by run so that a change of load
 * touches both: the mel spectrogram, MFCCs, the two onset envelope sets, the rest of describe() (tempo and
 * rhythm of the whole track and every window) and describe() itself. (a) The n bench-ingest MP3s with the
 * catalogue's window hop, in ms per audio-second (CPU time, the median run's total); (b) a 30 s upload (seconds
 * 30-60 of the first MP3) with the upload's hop (queryHop), in ms. Decoding is not included (bench-ingest).
 */
import path from 'node:path';
import { decodeFile } from '../src/audio/decode.js';
import { prepareMp3s } from './bench-ingest.js';
import { ROOT, defaultRef, headLabel, refTree } from './ref-tree.js';
import { arg } from './args.js';

const REF = defaultRef(arg('ref', ''));
const RUNS = Number(arg('runs', '5'));
const N = Number(arg('n', '20'));
const SR = 22050;

interface Spec {
  frames: number;
}
interface Tree {
  melSpectrogram(x: Float32Array, sr: number): Spec;
  mfcc(s: Spec): unknown;
  onsetEnvelopes(s: Spec): unknown;
  whitenedEnvelopes(s: Spec): unknown;
  describeSpectrogram(s: Spec, duration: number, opts: { hop?: number; alt?: boolean }): unknown;
  describe(x: Float32Array, sr: number, opts: { hop?: number; alt?: boolean }): unknown;
  queryHop(duration: number): number;
}

async function load(src: string): Promise<Tree> {
  const f = (m: string) => import(path.join(src, 'features', m)) as Promise<Record<string, unknown>>;
  const [frames, timbre, onset, vector] = await Promise.all([f('frames.ts'), f('timbre.ts'), f('onset.ts'), f('vector.ts')]);
  return { ...frames, ...timbre, ...onset, ...vector } as unknown as Tree;
}

const STAGES = ['mel spectrogram', 'MFCCs', 'onset envelopes', 'whitened envelopes', 'tempo, rhythm, windows (rest of describe)', 'describe() total'] as const;

/** CPU ms of each stage over all signals, one run. */
function run(t: Tree, signals: Float32Array[], query: boolean): number[] {
  const out = new Array<number>(STAGES.length).fill(0);
  const cpu = (f: () => unknown) => {
    const c = process.cpuUsage();
    f();
    const d = process.cpuUsage(c);
    return (d.user + d.system) / 1000;
  };
  for (const x of signals) {
    const duration = x.length / SR;
    // An upload as analyseFile describes one (a tree from before the second reading ignores `alt`).
    const opts = query ? { hop: t.queryHop(duration), alt: true } : {};
    let spec: Spec | undefined;
    out[0] += cpu(() => (spec = t.melSpectrogram(x, SR)));
    const m = cpu(() => t.mfcc(spec!));
    const o = cpu(() => t.onsetEnvelopes(spec!));
    const w = cpu(() => t.whitenedEnvelopes(spec!));
    // describeSpectrogram computes the MFCCs and both envelope sets again: the rest is what it adds to them.
    const whole = cpu(() => t.describeSpectrogram(spec!, duration, opts));
    out[1] += m;
    out[2] += o;
    out[3] += w;
    out[4] += whole - m - o - w;
    out[5] += cpu(() => t.describe(x, SR, opts));
  }
  return out;
}

function medianRuns(runs: number[][]): number[] {
  return STAGES.map((_, s) => {
    const v = runs.map((r) => r[s]).sort((a, b) => a - b);
    return v[v.length >> 1];
  });
}

async function main(): Promise<void> {
  const ref = refTree(REF);
  const before = await load(path.join(ref.dir, 'src'));
  const after = await load(path.join(ROOT, 'src'));
  const files = prepareMp3s().slice(0, N);
  const tracks: Float32Array[] = [];
  for (const f of files) tracks.push((await decodeFile(f)).samples);
  const upload = tracks[0].slice(30 * SR, 60 * SR);
  const audio = tracks.reduce((s, x) => s + x.length / SR, 0);
  console.log(`Before: ${ref.sha.slice(0, 10)} (${REF}); after: ${headLabel()}. CPU time, median of ${RUNS} runs, both trees alternating.\n`);
  for (const [label, signals, query, unit] of [
    [`(a) ${files.length} MP3s, ${(audio / 60).toFixed(1)} min, catalogue windows (10 s every 5 s): ms per audio-second`, tracks, false, audio],
    ['(b) a 30 s upload, windows every queryHop(30) s: ms', [upload], true, 1],
  ] as const) {
    const list = [...signals];
    for (const t of [before, after]) run(t, list.slice(0, 2), query); // warm-up: JIT, WebAssembly
    const rb: number[][] = [];
    const ra: number[][] = [];
    for (let i = 0; i < RUNS; i++) {
      rb.push(run(before, list, query));
      ra.push(run(after, list, query));
    }
    const b = medianRuns(rb);
    const a = medianRuns(ra);
    console.log(`${label}\n`);
    console.log('| stage | before | after | speed-up |\n|---|---|---|---|');
    STAGES.forEach((name, s) => {
      const digits = unit === 1 ? 1 : 3;
      console.log(`| ${name} | ${(b[s] / unit).toFixed(digits)} | ${(a[s] / unit).toFixed(digits)} | ${(b[s] / a[s]).toFixed(1)}× |`);
    });
    console.log('');
  }
}


main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
