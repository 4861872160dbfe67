/**
 * Do two versions of the feature code store the same vectors? `npx tsx scripts/check-vectors.ts [--ref REF]
 * [--clips 40] [--mp3 5] [--seconds 30]`. REF (default: the merge base of HEAD and main) is checked out from git into a
 * scratch folder and its describe() runs beside the working tree's on the same signals: `--clips` grooves
 * rendered by the synthesiser (as `groovematch synth` renders them, in memory at 22,050 Hz) and the first `--mp3`
 * real MP3s of bench-ingest, decoded once by the working tree's decoder. Each signal is described with the
 * catalogue's window hop and with the upload's (queryHop), and each MP3 also through the working tree's streamed
 * analyseFile. Per block (BLOCKS): max |Δ| over all vectors, the block's scale (the spread standardisation divides
 * by: the pooled spread for pooled blocks, each dimension's own for the others, over the reference vectors) and
 * max |Δ| / scale. Exits 1 when a block's max |Δ| exceeds 1e-4 of its scale, a tempo differs by more than 1e-4
 * relative, or the windows differ.
 */
import path from 'node:path';
import { decodeFile } from '../src/audio/decode.js';
import { analyseFile } from '../src/features/analyse.js';
import type { Block } from '../src/features/standardise.js';
import type { Analysis } from '../src/features/types.js';
import * as current from '../src/features/vector.js';
import { KITS, planCorpus, renderGroove, styleNames } from '../src/synth/index.js';
import { prepareMp3s } from './bench-ingest.js';
import { defaultRef, headLabel, refTree } from './ref-tree.js';
import { arg } from './args.js';

const REF = defaultRef(arg('ref', ''));
const CLIPS = Number(arg('clips', '40'));
const MP3S = Number(arg('mp3', '5'));
const SECONDS = Number(arg('seconds', '30'));
const SR = 22050;
const TOLERANCE = 1e-4;

type Describe = (samples: Float32Array, sampleRate: number, opts?: { hop?: number }) => Analysis;

/** REF's src/ in a scratch folder beside a link to our node_modules, imported through tsx like ours. */
async function reference(): Promise<{ describe: Describe; sha: string }> {
  const { dir, sha } = refTree(REF);
  const mod = (await import(path.join(dir, 'src', 'features', 'vector.ts'))) as { describe: Describe };
  return { describe: mod.describe, sha };
}

interface Pair {
  name: string;
  old: Analysis;
  now: Analysis;
}

function vectors(a: Analysis): Float32Array[] {
  return [a.vector, ...a.segments.map((s) => s.vector)];
}

function tempi(a: Analysis): number[] {
  return [a.tempo, ...a.segments.map((s) => s.tempo)];
}

/** The spread standardisation would divide by, from the reference vectors: per dimension, pooled over a pooled block. */
function scales(all: Float32Array[], blocks: readonly Block[], dim: number): Float64Array {
  const sum = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (const v of all) for (let i = 0; i < dim; i++) {
    sum[i] += v[i];
    sq[i] += v[i] * v[i];
  }
  const n = all.length;
  const variance = Float64Array.from(sum, (s, i) => Math.max(0, sq[i] / n - (s / n) ** 2));
  const out = variance.map(Math.sqrt);
  for (const b of blocks) {
    if (!b.pooled) continue;
    let v = 0;
    for (let i = b.start; i < b.start + b.length; i++) v += variance[i];
    out.fill(Math.sqrt(v / b.length), b.start, b.start + b.length);
  }
  // A dimension constant over the set (a bin no tempo reaches) is compared against its block's largest value.
  for (const b of blocks) {
    let big = 0;
    for (const v of all) for (let i = b.start; i < b.start + b.length; i++) big = Math.max(big, Math.abs(v[i]));
    for (let i = b.start; i < b.start + b.length; i++) if (!(out[i] > 1e-9)) out[i] = Math.max(big, 1e-9);
  }
  return out;
}

async function main(): Promise<void> {
  const ref = await reference();
  const signals: { name: string; samples: Float32Array; file?: string }[] = [];
  const plan = planCorpus(CLIPS, 11, styleNames(), KITS, 1);
  for (const c of plan) {
    const g = renderGroove({ style: c.style, bpm: c.bpm, kit: c.kit, seconds: SECONDS, seed: c.seed, sampleRate: SR, patternVariant: c.variant });
    signals.push({ name: `synth ${c.style} ${c.bpm} ${c.kit}`, samples: g.samples });
  }
  for (const file of prepareMp3s().slice(0, MP3S)) {
    signals.push({ name: path.basename(file), samples: (await decodeFile(file)).samples, file });
  }
  const pairs: Pair[] = [];
  let streamed = 0;
  for (const s of signals) {
    const duration = s.samples.length / SR;
    for (const hop of [current.SEGMENT_HOP_S, current.queryHop(duration)]) {
      const opts = { hop };
      pairs.push({ name: `${s.name} hop ${hop}`, old: ref.describe(s.samples, SR, opts), now: current.describe(s.samples, SR, opts) });
    }
    if (s.file) {
      const old = ref.describe(s.samples, SR, { hop: current.queryHop(duration) });
      pairs.push({ name: `${s.name} analyseFile`, old, now: await analyseFile(s.file, { query: true }) });
      streamed++;
    }
  }

  const blocks = current.BLOCKS;
  const dim = current.VECTOR_LENGTH;
  const scale = scales(pairs.flatMap((p) => vectors(p.old)), blocks, dim);
  const maxAbs = new Float64Array(blocks.length);
  const maxRel = new Float64Array(blocks.length);
  const worst: string[] = blocks.map(() => '-');
  let nVectors = 0;
  let tempoRel = 0;
  let tempoWorst = '-';
  const problems: string[] = [];
  for (const p of pairs) {
    const a = vectors(p.old);
    const b = vectors(p.now);
    if (a.length !== b.length || p.old.segments.some((s, i) => s.start_s !== p.now.segments[i].start_s || s.end_s !== p.now.segments[i].end_s)) {
      problems.push(`${p.name}: windows differ`);
      continue;
    }
    tempi(p.old).forEach((t, i) => {
      const r = Math.abs(t - tempi(p.now)[i]) / t;
      if (r > tempoRel) {
        tempoRel = r;
        tempoWorst = `${p.name} #${i}`;
      }
    });
    for (let v = 0; v < a.length; v++) {
      nVectors++;
      blocks.forEach((bl, j) => {
        for (let i = bl.start; i < bl.start + bl.length; i++) {
          const d = Math.abs(a[v][i] - b[v][i]);
          if (!(d <= maxAbs[j])) maxAbs[j] = d;
          const r = d / scale[i];
          if (!(r <= maxRel[j])) {
            maxRel[j] = r;
            worst[j] = `${p.name} #${v} dim ${i - bl.start}`;
          }
        }
      });
    }
  }
  console.log(`Reference ${ref.sha.slice(0, 10)} (${REF}) against HEAD ${headLabel()}: ${signals.length} signals ` +
    `(${plan.length} synthesised ${SECONDS} s grooves, ${signals.length - plan.length} real MP3s), ${pairs.length} analyses ` +
    `(catalogue hop, query hop${streamed ? ', streamed analyseFile' : ''}), ${nVectors} vectors.\n`);
  console.log('| block | dims | max abs diff | scale (spread) | max abs diff / scale | where |');
  console.log('|---|---|---|---|---|---|');
  blocks.forEach((bl, j) => {
    let s = Infinity;
    for (let i = bl.start; i < bl.start + bl.length; i++) s = Math.min(s, scale[i]);
    const shown = bl.pooled ? s.toPrecision(3) : `per dim, min ${s.toPrecision(3)}`;
    console.log(`| ${bl.name} | ${bl.length} | ${maxAbs[j].toExponential(2)} | ${shown} | ${maxRel[j].toExponential(2)} | ${maxRel[j] > 0 ? worst[j] : '-'} |`);
    if (!(maxRel[j] <= TOLERANCE)) problems.push(`block ${bl.name}: max |Δ| / scale ${maxRel[j].toExponential(2)} > ${TOLERANCE}`);
  });
  console.log(`\nTempo (whole tracks and windows): max relative difference ${tempoRel.toExponential(2)} (${tempoWorst}).`);
  if (tempoRel > TOLERANCE) problems.push(`tempo differs by ${tempoRel.toExponential(2)} relative`);
  if (problems.length) {
    console.log(`\nFAIL:\n- ${problems.join('\n- ')}`);
    process.exit(1);
  }
  console.log(`\nOK: every block within ${TOLERANCE} of its scale.`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
