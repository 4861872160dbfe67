import fs from 'node:fs';
import path from 'node:path';
import { writeCorpus } from '../synth/index.js';

/** Kits of the catalogue and of the queries: disjoint, so every query is heard on drums it was not indexed with. */
export const CATALOG_KITS = ['acoustic', 'vintage'];
export const QUERY_KITS = ['electronic808', 'bright', 'lofi'];

export interface EvalCorpus {
  catalogDir: string;
  queriesDir: string;
}

/**
 * The labelled evaluation corpus: n patterns rendered once on a catalogue kit and once on a query kit.
 * Reused when already rendered with the same settings (the folder name carries them).
 */
export async function ensureCorpus(root: string, n: number, seed: number, seconds: number, log: (s: string) => void): Promise<EvalCorpus> {
  const dir = path.join(root, `corpus-n${n}-s${seed}-${seconds}s`);
  const out = { catalogDir: path.join(dir, 'catalog'), queriesDir: path.join(dir, 'queries') };
  for (const [sub, kits] of [[out.catalogDir, CATALOG_KITS], [out.queriesDir, QUERY_KITS]] as const) {
    if (fs.existsSync(path.join(sub, 'labels.csv'))) continue;
    log(`rendering ${n} grooves on ${kits.join(', ')} into ${sub}`);
    const tmp = `${sub}.partial`;
    fs.rmSync(tmp, { recursive: true, force: true });
    // The same n and seed give the same patterns whatever the kits, so both halves hold the same grooves.
    await writeCorpus({ outDir: tmp, n, seed, seconds, kits: [...kits], format: 'wav' });
    fs.renameSync(tmp, sub);
  }
  return out;
}
