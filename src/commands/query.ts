import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { INDEX_KINDS, isIndexKind } from '../catalog/index-files.js';
import { availableParallelism } from 'node:os';
import { AnalysisPool } from '../features/pool.js';
import type { BlockWeights } from '../features/types.js';
import { DEFAULT_MODE, resolveWeights } from '../recommend/modes.js';
import { openCatalogView } from '../recommend/catalog-view.js';
import { recommendFrom } from '../recommend/query.js';
import type { RecommendResult, TrackMatch } from '../recommend/types.js';
import { formatTime } from '../web/format.js';
import { DATA_OPTION, UsageError, dataDir, intOption, type Command } from './common.js';

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    fs.createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

function pct(x: number): string {
  return x.toFixed(3);
}

/** What `query` prints for one file without --json. */
export function queryText(file: string, r: RecommendResult): string {
  const lines = [`${file}  tempo ${r.query.tempo} BPM (confidence ${r.query.tempo_confidence}), ${r.query.duration_s} s`];
  if (r.excluded_track) lines.push(`  (identical to catalogue track ${r.excluded_track.id}, left out)`);
  lines.push('  best:');
  const row = (t: TrackMatch) => `    ${pct(t.similarity)}  ${t.tempo} BPM  ${t.title ?? path.basename(t.path)}${t.reading === 'as measured' ? '' : `  (${t.reading})`}${t.placed_first ? `  [${t.placed_first} first]` : ''}`;
  for (const t of r.best) lines.push(row(t));
  lines.push('  worst:');
  for (const t of r.worst) lines.push(row(t));
  for (const a of r.alignments ?? []) {
    const sound = a.print_correlation === undefined ? '' : `, the sound itself matches: correlation ${a.print_correlation.toFixed(2)}`;
    lines.push(`  lines up with ${a.title ?? path.basename(a.path)}: ${formatTime(a.query_start_s)}–${formatTime(a.query_end_s)} of the upload ≈ ${formatTime(a.match_start_s)}–${formatTime(a.match_end_s)} (offset ${a.offset_s.toFixed(1)} s${sound})`);
  }
  lines.push(`  ${r.segments.length} segment matches`);
  return lines.join('\n');
}

export const queryCommand: Command = {
  help:
    'groovematch query <files...> [--data DIR] [--k N] [--json] [--mode rhythm|pattern|blend|timbre] [--weights tempo=0.2,...]\n' +
    '    [--same-tempo first|off] [--index annoy|hnsw|exact] [--search-k N] [--workers N]   find similar catalogue tracks',
  options: {
    ...DATA_OPTION,
    k: { type: 'string' },
    json: { type: 'boolean' },
    index: { type: 'string' },
    'search-k': { type: 'string' },
    mode: { type: 'string' },
    weights: { type: 'string' },
    'same-tempo': { type: 'string' },
    workers: { type: 'string' },
  },
  async run(v, files) {
    if (files.length === 0) throw new UsageError('query needs at least one audio file');
    const k = intOption(v, 'k', 5, 1, 100);
    const index = v.index as string | undefined;
    if (index !== undefined && !isIndexKind(index)) throw new UsageError(`--index must be one of ${INDEX_KINDS.join(', ')}`);
    const searchK = v['search-k'] === undefined ? undefined : intOption(v, 'search-k', 0, 1, 2 ** 31 - 1);
    let ranking: { mode?: string; weights?: BlockWeights } = {};
    if (v.mode !== undefined || v.weights !== undefined) {
      try {
        const mode = (v.mode as string | undefined) ?? DEFAULT_MODE;
        ranking = { mode: v.weights ? `${mode}+custom` : mode, weights: resolveWeights(mode, v.weights as string | undefined) };
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
    const sameTempo = (v['same-tempo'] as string | undefined) ?? 'first';
    if (sameTempo !== 'first' && sameTempo !== 'off') throw new UsageError('--same-tempo must be first or off');
    const workers = intOption(v, 'workers', availableParallelism(), 1, 64);
    // The recommender's two parts, opened here so the backend can be overridden per command. Files are
    // analysed in parallel in the pool and answered in the order given.
    const view = openCatalogView(dataDir(v), { index, searchK });
    const pool = new AnalysisPool({ workers: Math.min(workers, files.length) });
    const jobs = files.map((f) => {
      const file = path.resolve(f);
      const p = Promise.all([pool.analyse(file, { query: true }), sha256(file)]);
      p.catch(() => undefined);
      return { f, file, p };
    });
    let failures = 0;
    try {
      for (const { f, file, p } of jobs) {
        try {
          const [analysis, hash] = await p;
          const r = recommendFrom(view, analysis, { k, content_hash: hash, ...ranking, same_tempo_first: sameTempo === 'first' });
          if (v.json) {
            const line = { file, tempo: r.query.tempo, tempo_confidence: r.query.tempo_confidence,
              duration_s: r.query.duration_s, ranking: r.ranking, best: r.best, worst: r.worst,
              alignments: r.alignments, segments: r.segments, excluded_track: r.excluded_track };
            process.stdout.write(JSON.stringify(line) + '\n');
          } else {
            process.stdout.write(queryText(f, r) + '\n');
          }
        } catch (err) {
          failures++;
          const e = err as NodeJS.ErrnoException;
          const msg = e.code === 'ENOENT' ? `no such file` : e.message;
          if (v.json) process.stdout.write(JSON.stringify({ file, error: msg }) + '\n');
          process.stderr.write(`groovematch query: ${f}: ${msg}\n`);
        }
      }
    } finally {
      await pool.close();
      view.close();
    }
    return failures === 0 ? 0 : 1;
  },
};
