import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KITS } from './kits.js';
import { encodeMp3 } from './mp3.js';
import { hashSeed } from './random.js';
import { renderGroove, type GrooveLabel, type RenderOptions } from './render.js';
import { getStyle, styleNames } from './styles.js';
import { encodeWav } from './wav.js';

export interface CorpusRow extends GrooveLabel {
  /** relative to outDir */
  path: string;
}

export interface CorpusOptions {
  outDir: string;
  n: number;
  seed: number;
  kits?: string[];
  styles?: string[];
  seconds?: number;
  format?: 'mp3' | 'wav';
  /** render each pattern on this many different kits (cross-kit identity evaluation); default 1 */
  kitsPerPattern?: number;
  /**
   * Default 22,050 Hz: the rate the analysis resamples to anyway, and lamejs encodes it twice as fast as 44.1 kHz.
   */
  sampleRate?: number;
  kbps?: number;
  /** passed through to renderGroove (bass, chords, noiseDb, humanise, fills) */
  render?: Pick<RenderOptions, 'bass' | 'chords' | 'noiseDb' | 'humanise' | 'fills' | 'swing'>;
  onProgress?: (done: number, total: number, row: CorpusRow) => void;
}

export const CSV_HEADER = 'path,style,bpm,meter,kit,pattern_id';

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export interface PlannedClip {
  style: string;
  variant: number;
  bpm: number;
  seed: number;
  kit: string;
}

/**
 * Spreads clips evenly: styles round-robin, each style's tempi evenly over its range, variants alternating,
 * and kits rotated per style so no style is tied to one kit even when the counts share a factor.
 */
export function planCorpus(n: number, seed: number, styles: string[], kits: string[], kitsPerPattern: number): PlannedClip[] {
  if (styles.length === 0 || kits.length === 0) throw new Error('planCorpus needs at least one style and one kit');
  const kpp = Math.max(1, Math.min(Math.floor(kitsPerPattern), kits.length));
  const patterns = Math.ceil(n / kpp);
  const S = styles.length;
  const clips: PlannedClip[] = [];
  for (let i = 0; i < patterns && clips.length < n; i++) {
    const s = i % S;
    const k = Math.floor(i / S);
    const style = getStyle(styles[s]);
    const perStyle = Math.floor(patterns / S) + (s < patterns % S ? 1 : 0);
    const [lo, hi] = style.tempoRange;
    const bpm = Math.round(lo + ((hi - lo) * (k + 0.5)) / perStyle);
    const variant = k % style.patterns.length;
    const clipSeed = hashSeed('corpus', seed, i);
    for (let j = 0; j < kpp && clips.length < n; j++) {
      clips.push({ style: style.name, variant, bpm, seed: clipSeed, kit: kits[(s + k * kpp + j) % kits.length] });
    }
  }
  return clips;
}

function titleCase(style: string): string {
  return style.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
}

export async function writeCorpus(opts: CorpusOptions): Promise<CorpusRow[]> {
  const kits = opts.kits ?? KITS;
  const styles = opts.styles ?? styleNames();
  const format = opts.format ?? 'mp3';
  const seconds = opts.seconds ?? 30;
  const sampleRate = opts.sampleRate ?? 22050;
  const plan = planCorpus(opts.n, opts.seed, styles, kits, opts.kitsPerPattern ?? 1);
  mkdirSync(opts.outDir, { recursive: true });
  const width = Math.max(4, String(plan.length).length);
  const rows: CorpusRow[] = [];
  for (let i = 0; i < plan.length; i++) {
    const c = plan[i];
    const g = renderGroove({ ...opts.render, style: c.style, bpm: c.bpm, kit: c.kit, seconds, seed: c.seed, sampleRate, patternVariant: c.variant });
    const path = `${String(i).padStart(width, '0')}-${c.style}-${c.bpm}-${c.kit}.${format}`;
    const bytes = format === 'wav'
      ? encodeWav(g.samples, sampleRate)
      : encodeMp3(g.samples, sampleRate, opts.kbps ?? 96, {
        title: `${titleCase(c.style)} groove ${i + 1}, ${c.bpm} BPM`, artist: `groovematch synth (${c.kit} kit)`,
        album: 'groovematch demo grooves', genre: c.style, bpm: c.bpm,
      });
    writeFileSync(join(opts.outDir, path), bytes);
    const row: CorpusRow = { path, ...g.label };
    rows.push(row);
    opts.onProgress?.(i + 1, plan.length, row);
    // Rendering is synchronous; yielding between clips lets progress output and other work through.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const lines = [CSV_HEADER, ...rows.map((r) => [r.path, r.style, r.bpm, r.meter, r.kit, r.pattern_id].map(csvField).join(','))];
  writeFileSync(join(opts.outDir, 'labels.csv'), lines.join('\n') + '\n');
  return rows;
}
