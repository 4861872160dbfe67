import fs from 'node:fs';
import path from 'node:path';
import { progressReporter } from '../catalog/progress.js';
import { KITS, styleNames, writeCorpus } from '../synth/index.js';
import { UsageError, intOption, type Command, type Values } from './common.js';

/** A comma-separated option whose every item must be one of `known`. */
function listOption(v: Values, name: string, known: string[]): string[] | undefined {
  const raw = v[name];
  if (raw === undefined) return undefined;
  const items = String(raw).split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((s) => !known.includes(s));
  if (items.length === 0 || bad.length) {
    throw new UsageError(`--${name}: unknown ${bad.length ? `"${bad.join('", "')}"` : 'empty list'} (known: ${known.join(', ')})`);
  }
  return items;
}

export const synthCommand: Command = {
  help:
    'groovematch synth --out DIR [--n N] [--seed S] [--seconds S] [--format mp3|wav] [--kits A,B] [--styles A,B]\n' +
    '    [--kits-per-pattern N] [--kbps N] [--noise-db DB] [--no-bass] [--no-fills]\n' +
    '    render a labelled groove corpus: audio files and labels.csv (path,style,bpm,meter,kit,pattern_id)',
  options: {
    out: { type: 'string' },
    n: { type: 'string' },
    seed: { type: 'string' },
    seconds: { type: 'string' },
    format: { type: 'string' },
    kits: { type: 'string' },
    styles: { type: 'string' },
    'kits-per-pattern': { type: 'string' },
    kbps: { type: 'string' },
    'noise-db': { type: 'string' },
    'no-bass': { type: 'boolean' },
    'no-fills': { type: 'boolean' },
  },
  async run(v) {
    if (typeof v.out !== 'string' || !v.out) throw new UsageError('synth needs --out DIR');
    const format = (v.format as string | undefined) ?? 'mp3';
    if (format !== 'mp3' && format !== 'wav') throw new UsageError('--format takes mp3 or wav');
    const out = path.resolve(v.out);
    if (fs.existsSync(path.join(out, 'labels.csv'))) throw new UsageError(`${out} already holds a corpus (labels.csv); choose another --out`);
    let noiseDb: number | undefined;
    if (v['noise-db'] !== undefined) {
      noiseDb = Number(v['noise-db']);
      if (!Number.isFinite(noiseDb) || noiseDb > 0 || noiseDb < -90) throw new UsageError('--noise-db must be a number from -90 to 0');
    }
    const kits = listOption(v, 'kits', KITS);
    const bar = progressReporter(process.stderr, 'rendered');
    const t0 = Date.now();
    const rows = await writeCorpus({
      outDir: out,
      n: intOption(v, 'n', 100, 1, 100_000),
      seed: intOption(v, 'seed', 1, 0, 2 ** 31),
      seconds: intOption(v, 'seconds', 30, 2, 600),
      format,
      kits,
      styles: listOption(v, 'styles', styleNames()),
      kitsPerPattern: intOption(v, 'kits-per-pattern', 1, 1, kits?.length ?? KITS.length),
      kbps: intOption(v, 'kbps', 96, 32, 320),
      render: { noiseDb, bass: v['no-bass'] ? false : undefined, fills: v['no-fills'] ? false : undefined },
      onProgress: (done, total, row) =>
        bar.update({ done, total, file: row.path, etaS: ((Date.now() - t0) / 1000 / done) * (total - done) }),
    });
    bar.end();
    const styles = new Set(rows.map((r) => r.style)).size;
    process.stderr.write(`Wrote ${rows.length} clips (${styles} styles) and labels.csv to ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    return 0;
  },
};
