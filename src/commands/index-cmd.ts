import { availableParallelism } from 'node:os';
import { buildCatalog, formatSummary } from '../catalog/build.js';
import { INDEX_KINDS, isIndexKind } from '../catalog/index-files.js';
import { progressReporter } from '../catalog/progress.js';
import { DATA_OPTION, UsageError, dataDir, intOption, type Command } from './common.js';

export const indexCommand: Command = {
  help:
    'groovematch index <dir...> [--data DIR] [--workers N] [--index annoy|hnsw|exact] [--prune]   analyse a music folder into the catalogue',
  options: { ...DATA_OPTION, workers: { type: 'string' }, index: { type: 'string' }, prune: { type: 'boolean' } },
  async run(v, dirs) {
    if (dirs.length === 0) throw new UsageError('index needs at least one folder: groovematch index <dir>');
    const workers = intOption(v, 'workers', availableParallelism(), 1, 64);
    const index = v.index as string | undefined;
    if (index !== undefined && !isIndexKind(index)) throw new UsageError(`--index must be one of ${INDEX_KINDS.join(', ')}`);
    const bar = progressReporter(process.stderr);
    const summary = await buildCatalog({
      dirs,
      dataDir: dataDir(v),
      workers,
      index,
      prune: v.prune === true,
      onProgress: (p) => bar.update(p),
      log: (line) => { bar.end(); process.stderr.write(line + '\n'); },
    });
    bar.end();
    process.stdout.write(formatSummary(summary) + '\n');
    return summary.tracks > 0 ? 0 : 1;
  },
};
