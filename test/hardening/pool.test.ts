import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalysisPool, BusyError } from '../../src/features/pool.js';
import { clickTrack } from './harness.js';

let dir: string;
let slow: string;
let quick: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-pool-'));
  slow = path.join(dir, 'slow.wav');
  quick = path.join(dir, 'quick.wav');
  fs.writeFileSync(slow, clickTrack(100, 1, 120));
  fs.writeFileSync(quick, clickTrack(120, 2, 3));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the analysis pool bounds every job', () => {
  it('refuses past the queue bound and reports saturation', async () => {
    const pool = new AnalysisPool({ workers: 1, maxQueue: 1 });
    try {
      expect(pool.saturated).toBe(false);
      const running = pool.analyse(slow);
      const queued = pool.analyse(slow);
      expect(pool.saturated).toBe(true);
      await expect(pool.analyse(quick)).rejects.toMatchObject({ name: 'BusyError', code: 'busy', status: 503 });
      await Promise.all([running, queued]);
      expect(pool.saturated).toBe(false);
    } finally {
      await pool.close();
    }
  });

  it('a deadline counts the queue wait, and an overrun job frees its worker', async () => {
    const pool = new AnalysisPool({ workers: 1 });
    try {
      const first = pool.analyse(slow, {}, { deadlineMs: 50 });
      const waiting = pool.analyse(quick, {}, { deadlineMs: 20 });
      await expect(waiting).rejects.toBeInstanceOf(BusyError);
      await expect(first).rejects.toMatchObject({ code: 'timeout', status: 503 });
      expect((await pool.analyse(quick)).duration_s).toBeCloseTo(3, 0); // a fresh worker took over
    } finally {
      await pool.close();
    }
  });

  it('an aborted job leaves the queue, or stops its worker when running', async () => {
    const pool = new AnalysisPool({ workers: 1 });
    try {
      const a = new AbortController();
      const b = new AbortController();
      const running = pool.analyse(slow, {}, { signal: a.signal });
      const queued = pool.analyse(slow, {}, { signal: b.signal });
      b.abort();
      await expect(queued).rejects.toMatchObject({ name: 'AbortError' });
      expect(pool.pending).toBe(1);
      a.abort();
      await expect(running).rejects.toMatchObject({ name: 'AbortError' });
      expect(pool.pending).toBe(0);
      const t0 = performance.now();
      await pool.analyse(quick);
      expect(performance.now() - t0).toBeLessThan(5000);
    } finally {
      await pool.close();
    }
  });

  it('close() settles running jobs instead of leaving them hanging', async () => {
    const pool = new AnalysisPool({ workers: 1 });
    const running = pool.analyse(slow).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    await pool.close();
    expect(await running).toMatchObject({ message: 'analysis pool is closed' });
  });
});
