import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/synth/index.js';
import { ELD_RESOLUTION_MS, eventLoopDelay, loadUpload, runLoad } from '../../scripts/load-test.js';
import { buildFixture, groove, type Fixture } from '../helpers/fixtures.js';
import { leftInUploads, startServing, type Serving } from './harness.js';

const SERVE_WORKERS = Math.max(1, os.availableParallelism() - 1);
let fx: Fixture;

beforeAll(async () => {
  fx = await buildFixture('acoustic', ['rock', 'funk', 'house']);
});

afterAll(() => fx?.cleanup());

async function timedHealth(base: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${base}/healthz`);
  await res.arrayBuffer();
  expect(res.status).toBe(200);
  return performance.now() - t0;
}

describe('under load', () => {
  it('/healthz stays fast and the event loop is never blocked 100 ms while every worker is busy and the queue is full', async () => {
    const srv: Serving = await startServing(fx.dataDir, path.join(fx.dir, 'uploads-sat'), { workers: 2, maxQueue: 4, maxSeconds: 600 });
    try {
      const g = groove('funk', 'electronic808', 180);
      const long = new Blob([encodeWav(g.samples, g.sampleRate) as BlobPart]);
      const send = async () => {
        const form = new FormData();
        form.append('file', long, 'long.wav');
        const res = await fetch(`${srv.base}/api/recommend`, { method: 'POST', body: form });
        await res.arrayBuffer();
        return res.status;
      };
      const uploads = Array.from({ length: 10 }, send);
      for (let i = 0; i < 200 && !srv.rec.saturated(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(srv.rec.saturated()).toBe(true);
      const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
      eld.enable();
      const times: number[] = [];
      while (srv.rec.saturated() && times.length < 30) {
        times.push(await timedHealth(srv.base));
        await new Promise((r) => setTimeout(r, 20));
      }
      eld.disable();
      const statuses = await Promise.all(uploads);
      const delay = eventLoopDelay(eld);
      const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
      console.log(
        `saturated: ${times.length} /healthz probes, median ${median.toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms; ` +
          `event-loop delay p99 ${delay.p99_ms} ms, max ${delay.max_ms} ms; uploads ${statuses.join(',')}`,
      );
      expect(times.length).toBeGreaterThan(3);
      // What the server controls is its event loop. A probe's wall time also includes waiting for a core
      // that two busy analysis workers share with it on a 2-core machine: 28-119 ms at most in 14 runs
      // while the loop itself was held 15-73 ms at most (this process also builds the ten 8 MB uploads).
      expect(delay.max_ms).toBeLessThan(100);
      expect(median).toBeLessThan(50);
      expect(Math.max(...times)).toBeLessThan(250);
      expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
      expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
      expect(await leftInUploads(srv.uploadsDir)).toEqual([]);
    } finally {
      await srv.close();
    }
  });

  it('20 clients uploading a 30 s MP3 for 10 s: no 5xx but 503, /healthz stays fast', async () => {
    const srv = await startServing(fx.dataDir, path.join(fx.dir, 'uploads-load'), {
      // The serve defaults: a core left to the event loop, a queue of four per worker.
      workers: SERVE_WORKERS, maxQueue: 4 * SERVE_WORKERS, maxSeconds: 600, deadlineMs: 120_000, timeoutMs: 120_000,
    });
    try {
      const report = await runLoad({ base: srv.base, upload: loadUpload(30), clients: 20, durationMs: 10_000 });
      console.log(`load (10 s): ${JSON.stringify(report)}`);
      const unexpected = Object.keys(report.statuses).filter((s) => s !== '200' && s !== '503');
      expect(unexpected).toEqual([]);
      expect(report.statuses['200']).toBeGreaterThan(0);
      expect(report.health.failures).toBe(0);
      // Clients resend the moment they get a 503, and they share this machine's cores with the workers:
      // the strict < 100 ms bound is the saturation test's; here the typical probe must stay well under it.
      expect(report.health.p50_ms).toBeLessThan(100);
      expect(report.health.max_ms).toBeLessThan(1000);
      expect(await leftInUploads(srv.uploadsDir)).toEqual([]);
    } finally {
      await srv.close();
    }
  });
});
