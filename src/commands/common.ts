import path from 'node:path';

export type Values = Record<string, string | boolean | undefined>;

export interface Command {
  help: string;
  options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: false }>;
  run(values: Values, positionals: string[]): Promise<number>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function dataDir(v: Values): string {
  return path.resolve((v.data as string | undefined) ?? process.env.DATA_DIR ?? 'data');
}

export function intOption(v: Values, name: string, fallback: number, min = 1, max = 1_000_000): number {
  const raw = v[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

export const DATA_OPTION = { data: { type: 'string' as const } };
