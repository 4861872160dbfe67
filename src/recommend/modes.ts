import type { BlockWeights } from '../features/types.js';
import { BLOCKS, DEFAULT_WEIGHTS } from '../features/vector.js';

/**
 * Named weightings of the descriptor blocks. `rhythm` is what the indexes are built for; the others are
 * answered by an exact search with their weights (see weighted.ts).
 */
export const MODES: Record<string, BlockWeights> = {
  rhythm: DEFAULT_WEIGHTS,
  pattern: { tempo: 0, bpm: 0, pattern: 0.7, bar: 0.3, lag: 0, timbre: 0 },
  timbre: { tempo: 0, bpm: 0, pattern: 0, bar: 0, lag: 0, timbre: 1 },
  blend: { tempo: 0.05, bpm: 0.08, pattern: 0.37, bar: 0.2, lag: 0, timbre: 0.3 },
};

export const DEFAULT_MODE = 'rhythm';
export const MODE_NAMES = Object.keys(MODES);

export class WeightsError extends Error {
  readonly status = 400;
  constructor(message: string) {
    super(message);
    this.name = 'WeightsError';
  }
}

/**
 * Weights from a mode name and optional per-block overrides such as "tempo=0,timbre=0.5"
 * (or an object). Unknown modes or blocks and negative weights are refused with a message.
 */
export function resolveWeights(mode?: string, overrides?: string | Record<string, unknown>): BlockWeights {
  const name = mode ?? DEFAULT_MODE;
  const base = MODES[name];
  if (!base) throw new WeightsError(`Unknown mode '${name}'. Modes: ${MODE_NAMES.join(', ')}.`);
  const w: BlockWeights = { ...base };
  const entries: [string, unknown][] =
    typeof overrides === 'string'
      ? overrides
          .split(',')
          .filter((s) => s.trim())
          .map((s) => {
            const [k, v] = s.split('=');
            return [k.trim(), v === undefined ? NaN : Number(v)];
          })
      : Object.entries(overrides ?? {});
  const blocks = BLOCKS.map((b) => b.name);
  for (const [k, v] of entries) {
    if (!blocks.includes(k)) throw new WeightsError(`Unknown block '${k}'. Blocks: ${blocks.join(', ')}.`);
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n) || n < 0 || n > 100) throw new WeightsError(`Weight of '${k}' must be a number from 0 to 100.`);
    w[k] = n;
  }
  if (Object.values(w).every((x) => x === 0)) throw new WeightsError('At least one block needs a weight above 0.');
  return w;
}

/** True when two weightings give the same final vectors (they differ only by a common scale). */
export function sameWeights(a: BlockWeights, b: BlockWeights): boolean {
  const sa = BLOCKS.reduce((s, x) => s + (a[x.name] ?? 0), 0);
  const sb = BLOCKS.reduce((s, x) => s + (b[x.name] ?? 0), 0);
  return BLOCKS.every((x) => Math.abs((a[x.name] ?? 0) / sa - (b[x.name] ?? 0) / sb) < 1e-9);
}
