import fs from 'node:fs';
import path from 'node:path';
import { decodeFile } from '../audio/decode.js';
import { buildCatalog } from '../catalog/build.js';
import { scanAudio } from '../catalog/scan.js';
import { createRecommender } from '../recommend/query.js';
import { encodeMp3, encodeWav, mulberry32, renderGroove } from '../synth/index.js';

export interface ExcerptOptions {
  dirs: string[];
  out: string;
  queries: number;
  seed: number;
  seconds?: number;
  kbps?: number;
  workers: number;
  log: (s: string) => void;
}

export interface ExcerptReport {
  tracks: number;
  queries: number;
  hit1: number;
  offsetWithin: number;
  medianOffsetError: number;
  unrelatedMaxSimilarity: number;
  sourceMedianSimilarity: number;
  medianQueryMs: number;
  buildSeconds: number;
  audioHours: number;
  workers: number;
}

interface Excerpt {
  file: string;
  source: string;
  offset: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};

/**
 * An excerpt as a user would upload it: 20 s from a random offset, a gain change, a little noise,
 * re-encoded as a low-bitrate MP3.
 */
async function makeExcerpts(tracks: string[], o: ExcerptOptions, dir: string): Promise<Excerpt[]> {
  const list = path.join(dir, 'excerpts.json');
  if (fs.existsSync(list)) return JSON.parse(fs.readFileSync(list, 'utf8')) as Excerpt[];
  fs.mkdirSync(dir, { recursive: true });
  const rand = mulberry32(o.seed);
  const len = o.seconds ?? 20;
  const out: Excerpt[] = [];
  for (let i = 0; i < o.queries; i++) {
    const source = tracks[i % tracks.length];
    const a = await decodeFile(source);
    if (a.duration_s < len + 1) continue;
    const offset = Math.round(rand() * (a.duration_s - len) * 10) / 10;
    const from = Math.round(offset * a.sampleRate);
    const x = a.samples.slice(from, from + len * a.sampleRate);
    const gain = 10 ** ((rand() * 9 - 6) / 20);
    let peak = 0;
    for (let j = 0; j < x.length; j++) {
      x[j] = x[j] * gain + (rand() * 2 - 1) * 0.01;
      peak = Math.max(peak, Math.abs(x[j]));
    }
    if (peak > 0.99) for (let j = 0; j < x.length; j++) x[j] *= 0.99 / peak;
    const file = path.join(dir, `excerpt-${String(i).padStart(3, '0')}.mp3`);
    fs.writeFileSync(file, encodeMp3(x, a.sampleRate, o.kbps ?? 96));
    out.push({ file, source, offset });
  }
  fs.writeFileSync(list, JSON.stringify(out));
  return out;
}

/** Unrelated uploads: synthesised grooves that are in no catalogue of real recordings. */
function makeUnrelated(dir: string, n: number): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const g = renderGroove({ style: ['rock', 'samba', 'waltz', 'house', 'funk'][i % 5], bpm: 100 + 7 * i, kit: 'vintage', seconds: 20, seed: i, sampleRate: 22050 });
    const f = path.join(dir, `unrelated-${i}.wav`);
    fs.writeFileSync(f, encodeWav(g.samples, g.sampleRate));
    files.push(f);
  }
  return files;
}

/** Excerpt retrieval: catalogue of whole tracks; queries are degraded excerpts of them. */
export async function excerptRetrieval(o: ExcerptOptions): Promise<ExcerptReport> {
  const dataDir = path.join(o.out, 'catalog');
  o.log(`indexing ${o.dirs.join(', ')} into ${dataDir}`);
  // From scratch every time, so the build time is the analysis time of every track.
  fs.rmSync(dataDir, { recursive: true, force: true });
  const t0 = Date.now();
  const summary = await buildCatalog({ dirs: o.dirs, dataDir, workers: o.workers });
  const buildSeconds = (Date.now() - t0) / 1000;
  const tracks = (await scanAudio(o.dirs)).map((f) => f.path);
  const excerpts = await makeExcerpts(tracks, o, path.join(o.out, `excerpts-s${o.seed}-n${o.queries}`));
  const unrelated = makeUnrelated(path.join(o.out, 'unrelated'), 10);
  const rec = createRecommender(dataDir, { workers: o.workers });
  try {
    let hits = 0;
    let within = 0;
    const errors: number[] = [];
    const times: number[] = [];
    const sims: number[] = [];
    for (const e of excerpts) {
      const t = performance.now();
      const r = rec.recommend(await rec.analyseFile(e.file), { k: 5 });
      times.push(performance.now() - t);
      const top = r.best[0];
      if (top && path.resolve(top.path) === path.resolve(e.source)) {
        hits++;
        sims.push(top.similarity);
      }
      const al = r.alignments?.find((a) => path.resolve(a.path) === path.resolve(e.source));
      const err = al ? Math.abs(al.offset_s - e.offset) : Infinity;
      errors.push(err);
      if (err <= 2.5) within++;
    }
    let unrelatedMax = 0;
    for (const f of unrelated) {
      const r = rec.recommend(await rec.analyseFile(f), { k: 1 });
      unrelatedMax = Math.max(unrelatedMax, r.best[0]?.similarity ?? 0);
    }
    return {
      tracks: summary.tracks,
      queries: excerpts.length,
      hit1: hits / excerpts.length,
      offsetWithin: within / excerpts.length,
      medianOffsetError: median(errors),
      unrelatedMaxSimilarity: unrelatedMax,
      sourceMedianSimilarity: median(sims),
      medianQueryMs: median(times),
      buildSeconds,
      audioHours: summary.audio_hours,
      workers: o.workers,
    };
  } finally {
    await rec.close();
  }
}

export function formatExcerptReport(r: ExcerptReport, dirs: string[]): string {
  return [
    '### Excerpt retrieval',
    '',
    `- catalogue: ${r.tracks} whole tracks from ${dirs.join(', ')}`,
    `- queries: ${r.queries} excerpts of 20 s at random offsets, gain −6…+3 dB, white noise at about −45 dBFS RMS, MP3 96 kbit/s`,
    `- analysis (index from scratch: decode, track and segment descriptors, indexes): ${r.buildSeconds.toFixed(1)} s for ` +
      `${r.tracks} tracks, ${r.audioHours.toFixed(2)} h of audio, ${r.workers} workers = ` +
      `${((r.buildSeconds * r.workers) / r.tracks).toFixed(2)} worker-seconds per track of ${((r.audioHours * 60) / r.tracks).toFixed(1)} min on average ` +
      `(${((r.audioHours * 3600) / (r.buildSeconds * r.workers)).toFixed(0)}× real time per worker)`,
    '',
    '| hit@1 | offset within 2.5 s | median offset error | median query time | source similarity (median) | best similarity of unrelated uploads (max) |',
    '|---|---|---|---|---|---|',
    `| ${r.hit1.toFixed(3)} | ${r.offsetWithin.toFixed(3)} | ${r.medianOffsetError.toFixed(2)} s | ${r.medianQueryMs.toFixed(0)} ms | ${r.sourceMedianSimilarity.toFixed(3)} | ${r.unrelatedMaxSimilarity.toFixed(3)} |`,
    '',
  ].join('\n');
}
