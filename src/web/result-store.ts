import { randomBytes } from 'node:crypto';
import type { SegmentMatch } from '../recommend/types.js';

interface Entry {
  segments: SegmentMatch[];
  expiresAt: number;
}

/**
 * Finished results, in memory only, keyed by an unguessable token so their CSV can be downloaded later.
 * Entries expire after `ttlMs`; at most `maxEntries` are kept (the oldest go first).
 */
export class ResultStore {
  private readonly entries = new Map<string, Entry>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 1000,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.sweep(), Math.max(1000, Math.min(ttlMs, 60_000)));
    this.timer.unref();
  }

  /** Keep a result's segments; returns the token (22 base64url characters). */
  put(segments: SegmentMatch[]): string {
    const token = randomBytes(16).toString('base64url');
    this.entries.set(token, { segments, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return token;
  }

  /** The segments for a live token, or null if unknown or expired. */
  get(token: string): SegmentMatch[] | null {
    const entry = this.entries.get(token);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(token);
      return null;
    }
    return entry.segments;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drop every expired entry. Insertion order is expiry order, so stop at the first live one. */
  sweep(): void {
    const t = this.now();
    for (const [token, entry] of this.entries) {
      if (entry.expiresAt > t) break;
      this.entries.delete(token);
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.entries.clear();
  }
}
