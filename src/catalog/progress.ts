export interface BuildProgress {
  done: number;
  total: number;
  /** The file just finished. */
  file: string;
  /** Seconds left at the current rate; NaN until there is a rate. */
  etaS: number;
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '--';
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

type Out = Pick<NodeJS.WriteStream, 'write'> & { isTTY?: boolean; columns?: number };

/**
 * Progress for the build. On a terminal: one bar redrawn in place (at most 10 times a second).
 * Otherwise (logs, CI): a plain line every 10 % or 30 s, so a log does not fill up with redraws.
 */
export function progressReporter(out: Out = process.stderr, verb = 'analysed'): { update(p: BuildProgress): void; end(): void } {
  const tty = !!out.isTTY;
  let lastDraw = 0;
  let lastPct = -1;
  let drawn = false;
  return {
    update(p) {
      const now = Date.now();
      const final = p.done >= p.total;
      const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 100;
      const eta = `ETA ${formatDuration(p.etaS)}`;
      if (tty) {
        if (!final && now - lastDraw < 100) return;
        const width = 24;
        const fill = Math.round((width * pct) / 100);
        const bar = `[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${p.done}/${p.total} ${pct}% ${eta} `;
        const room = Math.max(0, (out.columns ?? 80) - bar.length - 1);
        const name = p.file.length > room ? '…' + p.file.slice(p.file.length - room + 1) : p.file;
        out.write(`\r${bar}${room > 0 ? name : ''}\x1b[K`);
        drawn = true;
      } else {
        if (!final && pct < lastPct + 10 && now - lastDraw < 30_000) return;
        out.write(`${verb} ${p.done}/${p.total} (${pct}%), ${eta}\n`);
        lastPct = pct;
      }
      lastDraw = now;
    },
    end() {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}
