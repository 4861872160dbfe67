import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';

export interface LabelRow {
  /** Absolute. */
  path: string;
  style: string;
  bpm: number;
  meter: string;
  kit: string;
  pattern_id: string;
}

/** Rows of a labels.csv (`path, style, bpm, meter, kit, pattern_id`), paths resolved against its folder. */
export function readLabels(file: string): LabelRow[] {
  const dir = path.dirname(path.resolve(file));
  const rows = parse(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<
    string,
    string
  >[];
  return rows.map((r, i) => {
    if (!r.path) throw new Error(`${file}: row ${i + 2} has no path`);
    return {
      path: path.resolve(dir, r.path),
      style: r.style ?? '',
      bpm: Number(r.bpm),
      meter: r.meter ?? '',
      kit: r.kit ?? '',
      pattern_id: r.pattern_id ?? '',
    };
  });
}
