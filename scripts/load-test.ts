/**
 * Loopback load test: N clients upload the same MP3 back to back for a fixed time while a probe times
 * GET /healthz. Reports status counts, latency percentiles, /healthz latency and the server's event-loop
 * delay. `npm run load-test` (60 s, 20 clients); the hardening tests run a 10 s version of runLoad.
 *
 *   npm run load-test -- [--data DIR] [--seconds 60] [--clients 20] [--workers N] [--polite]
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { buildCatalog } from '../src/catalog/build.js';
import { createServingRecommender } from '../src/recommend/reload.js';
import { encodeMp3, encodeWav, getStyle, renderGroove } from '../src/synth/index.js';
import { createApp } from '../src/web/app.js';
import { createLogger } from '../src/web/logger.js';

export interface LoadOptions {
  base: string;
  upload: Uint8Array;
  clients: number;
  durationMs: number;
  /** How often to time /healthz. Default 100 ms. */
  probeMs?: number;
  /** Clients wait out Retry-After after a 503, as a browser user would; default they resend at once. */
  polite?: boolean;
}

export interface LoadReport {
  requests: number;
  statuses: Record<string, number>;
  p50_ms: number;
  p99_ms: number;
  /** Latency of the 200 answers only: upload, queue wait, analysis, matching. */
  ok_p50_ms: number;
  ok_p99_ms: number;
  health: { probes: number; p50_ms: number; max_ms: number; failures: number };
  /** Event-loop delay of the server's thread while the load ran. */
  event_loop: { p50_ms: number; p99_ms: number; max_ms: number };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const round = (x: number) => Math.round(x * 10) / 10;

/** The histogram holds whole timer intervals; the delay is what exceeds the sampling resolution. */
export const ELD_RESOLUTION_MS = 10;

export function eventLoopDelay(h: IntervalHistogram): { p50_ms: number; p99_ms: number; max_ms: number } {
  const late = (ns: number) => round(Math.max(0, ns / 1e6 - ELD_RESOLUTION_MS));
  return { p50_ms: late(h.percentile(50)), p99_ms: late(h.percentile(99)), max_ms: late(h.max) };
}

/**
 * The clients run in a worker thread with its own event loop, so the delay measured here is the
 * server's (plus the light /healthz probe), not the cost of generating the load.
 */
const CLIENTS = `
const { parentPort, workerData: w } = require('node:worker_threads');
const blob = new Blob([w.upload], { type: 'audio/mpeg' });
const until = Date.now() + w.durationMs;
const latencies = [];
const ok = [];
const statuses = {};
async function client() {
  while (Date.now() < until) {
    const form = new FormData();
    form.append('file', blob, 'load.mp3');
    const t0 = performance.now();
    let status;
    try {
      const res = await fetch(w.base + '/api/recommend', { method: 'POST', body: form });
      await res.arrayBuffer();
      status = String(res.status);
      if (w.polite && res.status === 503) {
        const wait = Math.min(Number(res.headers.get('retry-after')) || 1, (until - Date.now()) / 1000);
        latencies.push(performance.now() - t0);
        statuses[status] = (statuses[status] || 0) + 1;
        await new Promise((r) => setTimeout(r, Math.max(0, wait) * 1000));
        continue;
      }
    } catch (err) {
      status = 'error ' + err.message;
    }
    const ms = performance.now() - t0;
    latencies.push(ms);
    if (status === '200') ok.push(ms);
    statuses[status] = (statuses[status] || 0) + 1;
  }
}
Promise.all(Array.from({ length: w.clients }, client)).then(() => parentPort.postMessage({ latencies, ok, statuses }));
`;

export async function runLoad(opts: LoadOptions): Promise<LoadReport> {
  const until = Date.now() + opts.durationMs;
  const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  eld.enable();
  const worker = new Worker(CLIENTS, {
    eval: true,
    workerData: { base: opts.base, upload: opts.upload, clients: opts.clients, durationMs: opts.durationMs, polite: !!opts.polite },
  });
  const clients = new Promise<{ latencies: number[]; ok: number[]; statuses: Record<string, number> }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });

  const health: number[] = [];
  let healthFailures = 0;
  while (Date.now() < until) {
    const t0 = performance.now();
    try {
      const res = await fetch(`${opts.base}/healthz`);
      await res.arrayBuffer();
      if (res.status !== 200) healthFailures++;
    } catch {
      healthFailures++;
    }
    health.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, opts.probeMs ?? 100));
  }
  const { latencies, ok, statuses } = await clients;
  eld.disable();
  await worker.terminate();
  for (const a of [latencies, ok, health]) a.sort((x, y) => x - y);
  return {
    requests: latencies.length,
    statuses,
    p50_ms: round(percentile(latencies, 50)),
    p99_ms: round(percentile(latencies, 99)),
    ok_p50_ms: round(percentile(ok, 50)),
    ok_p99_ms: round(percentile(ok, 99)),
    health: { probes: health.length, p50_ms: round(percentile(health, 50)), max_ms: round(health.at(-1) ?? 0), failures: healthFailures },
    event_loop: eventLoopDelay(eld),
  };
}

/** A 30 s groove as MP3, the upload every client sends. */
export function loadUpload(seconds = 30): Uint8Array {
  const [lo, hi] = getStyle('funk').tempoRange;
  const g = renderGroove({ style: 'funk', bpm: Math.round((lo + hi) / 2), kit: 'electronic808', seconds, seed: 5, sampleRate: 22050 });
  return encodeMp3(g.samples, g.sampleRate, 128);
}

/** A small real catalogue (one WAV groove per style) in a temp folder. */
async function tempCatalogue(workers: number): Promise<{ dataDir: string; cleanup: () => void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-load-'));
  const audio = path.join(dir, 'audio');
  fs.mkdirSync(audio);
  for (const style of ['rock', 'funk', 'reggae-one-drop', 'bossa-nova', 'waltz', 'house']) {
    const [lo, hi] = getStyle(style).tempoRange;
    const g = renderGroove({ style, bpm: Math.round((lo + hi) / 2), kit: 'acoustic', seconds: 20, seed: 11, sampleRate: 22050 });
    fs.writeFileSync(path.join(audio, `${style}.wav`), encodeWav(g.samples, g.sampleRate));
  }
  const dataDir = path.join(dir, 'data');
  await buildCatalog({ dirs: [audio], dataDir, workers });
  return { dataDir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      data: { type: 'string' }, seconds: { type: 'string' }, clients: { type: 'string' }, workers: { type: 'string' },
      polite: { type: 'boolean' },
    },
  });
  const workers = Number(v.workers ?? Math.max(1, os.availableParallelism() - 1)); // as `serve` does
  const cat = v.data ? { dataDir: path.resolve(v.data), cleanup: () => undefined } : await tempCatalogue(workers);
  const uploadsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-load-uploads-'));
  // The serve defaults, minus the per-address rate limit: every client here is 127.0.0.1.
  const rec = createServingRecommender(cat.dataDir, {
    workers, maxQueue: 4 * workers, timeoutMs: 120_000, deadlineMs: 120_000, maxSeconds: 600, maxHeapMb: 1024, watchMs: 0,
  });
  const web = createApp({
    recommender: rec, uploadsDir, busy: () => rec.saturated(), maxAnalysisSeconds: 600, rateLimit: false,
    logger: createLogger(process.env.LOG_LEVEL ?? 'warn'),
  });
  const server = web.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const seconds = Number(v.seconds ?? 60);
  const clients = Number(v.clients ?? 20);
  const mode = v.polite ? 'clients wait out Retry-After' : 'clients resend at once';
  process.stderr.write(`load: ${clients} clients (${mode}), ${seconds} s, ${workers} analysis workers, ${base}\n`);
  const report = await runLoad({ base, upload: loadUpload(), clients, durationMs: seconds * 1000, polite: v.polite });
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  server.closeAllConnections();
  server.close();
  web.close();
  await rec.close();
  fs.rmSync(uploadsDir, { recursive: true, force: true });
  cat.cleanup();
  const fiveHundreds = Object.keys(report.statuses).filter((s) => !/^(2|4)\d\d$|^503$/.test(s));
  if (fiveHundreds.length > 0) {
    process.stderr.write(`load: unexpected statuses ${fiveHundreds.join(', ')}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
