import { createHash } from 'node:crypto';
import path from 'node:path';
import { buildCatalog } from '../catalog/build.js';
import { AnalysisPool } from '../features/pool.js';
import { openCatalogView } from '../recommend/catalog-view.js';
import { recommendFrom } from '../recommend/query.js';
import type { LabelRow } from './labels.js';
import { scoreRankings, type Scores } from './run.js';

/** Best-list length the served ranking is scored on: P@10 needs ten, hit@10 and MRR are cut there. */
export const SERVED_K = 10;

/** Where the served catalogue of a labelled folder is kept between runs (index builds are incremental). */
export function servedDataDir(root: string, catalogDir: string): string {
  return path.join(root, `served-${createHash('sha1').update(path.resolve(catalogDir)).digest('hex').slice(0, 12)}`);
}

/**
 * The default mode as `serve` answers an upload: the catalogue built by `index` (consensus readings, Annoy,
 * segment windows), each query analysed as an upload and ranked by recommendFrom (index search, query
 * expansion, segment evidence, the same tempo first). The exact-search figures of `evaluate` measure the
 * descriptors; this row checks that the product ranks as they say. A twin beyond SERVED_K counts as missed
 * (its MRR term 0).
 */
export async function servedScores(
  name: string,
  catalogDir: string,
  catRows: LabelRow[],
  qRows: LabelRow[],
  dataDir: string,
  workers: number,
): Promise<Scores> {
  await buildCatalog({ dirs: [catalogDir], dataDir, workers });
  const row = new Map(catRows.map((r, i) => [path.resolve(r.path), i]));
  const view = openCatalogView(dataDir);
  const pool = new AnalysisPool({ workers });
  try {
    const analyses = await Promise.all(qRows.map((q) => pool.analyse(q.path, { query: true })));
    const rankings = analyses.map((a) =>
      recommendFrom(view, a, { k: SERVED_K })
        .best.map((t) => row.get(path.resolve(t.path)) ?? -1)
        .filter((i) => i >= 0),
    );
    return scoreRankings(name, rankings, catRows, qRows);
  } finally {
    await pool.close();
    view.close();
  }
}
