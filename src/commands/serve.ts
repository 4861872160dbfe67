import fs from 'node:fs';
import path from 'node:path';
import { availableParallelism } from 'node:os';
import { CATALOG_FILE, Catalog } from '../catalog/store.js';
import { FEATURE_VERSION } from '../features/vector.js';
import { createServingRecommender } from '../recommend/reload.js';
import { createApp, DEFAULT_UPLOADS_PER_MINUTE } from '../web/app.js';
import { createLogger } from '../web/logger.js';
import { DATA_OPTION, dataDir, intOption, type Command, type Values } from './common.js';
import { DEMO_AUDIO_DIR, buildDemo } from './demo.js';

/**
 * Whether --demo-if-empty must (re)build the demo: no catalogue yet, or a demo catalogue (every track under
 * demo-audio/) from an older feature version, which would otherwise stop `npm start` after an upgrade.
 * A catalogue with any other track is never rebuilt behind its owner's back.
 */
export function demoBuildReason(dir: string): string | null {
  if (!fs.existsSync(path.join(dir, CATALOG_FILE))) return `No catalogue in ${dir}`;
  const cat = Catalog.open(dir, { readonly: true, olderSchema: true });
  try {
    const info = cat.info();
    if (info.tracks === 0 || info.feature_version === null) return `No catalogue in ${dir}`;
    if (info.feature_version === FEATURE_VERSION) return null;
    const demoAudio = path.resolve(dir, DEMO_AUDIO_DIR) + path.sep;
    const onlyDemo = cat.trackFiles().every((f) => path.resolve(f.path).startsWith(demoAudio));
    return onlyDemo ? `The demo catalogue in ${dir} has features ${info.feature_version}, this groovematch ${FEATURE_VERSION}` : null;
  } finally {
    cat.close();
  }
}

/** A flag, else its environment variable, else the default. */
function setting(v: Values, flag: string, env: string, fallback: number, min: number, max: number): number {
  return intOption({ [flag]: v[flag] ?? process.env[env] }, flag, fallback, min, max);
}

function trustProxy(raw: string | undefined): boolean | number | string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}

export const serveCommand: Command = {
  help:
    'groovematch serve [--data DIR] [--port N] [--host H] [--workers N] [--max-minutes N] [--max-upload-mb N] ' +
    '[--rate-limit N] [--demo-if-empty]   run the web site (limits: docs/hardening.md)',
  options: {
    ...DATA_OPTION,
    port: { type: 'string' },
    host: { type: 'string' },
    workers: { type: 'string' },
    'max-minutes': { type: 'string' },
    'max-upload-mb': { type: 'string' },
    'rate-limit': { type: 'string' },
    'analysis-timeout': { type: 'string' },
    'worker-heap-mb': { type: 'string' },
    'reload-interval': { type: 'string' },
    'demo-if-empty': { type: 'boolean' },
  },
  async run(v) {
    const dir = dataDir(v);
    const port = intOption({ port: v.port ?? process.env.PORT }, 'port', 3000, 0, 65535);
    const host = (v.host as string | undefined) ?? process.env.HOST ?? '127.0.0.1';
    // One core stays with the event loop (uploads, hashing, matching): on 2 cores, 1 worker answered more
    // uploads per second than 2, with a fifth of the event-loop delay (docs/hardening.md).
    const workers = intOption(v, 'workers', Math.max(1, availableParallelism() - 1), 1, 64);
    const maxMinutes = setting(v, 'max-minutes', 'MAX_MINUTES', 10, 1, 24 * 60);
    const maxUploadMb = setting(v, 'max-upload-mb', 'MAX_UPLOAD_MB', 50, 1, 4096);
    const perMinute = setting(v, 'rate-limit', 'RATE_LIMIT', DEFAULT_UPLOADS_PER_MINUTE, 0, 1_000_000);
    const timeoutS = setting(v, 'analysis-timeout', 'ANALYSIS_TIMEOUT_S', 120, 1, 3600);
    const heapMb = setting(v, 'worker-heap-mb', 'WORKER_HEAP_MB', 512, 64, 65536);
    const watchS = setting(v, 'reload-interval', 'RELOAD_INTERVAL_S', 5, 0, 3600);
    const logger = createLogger();
    const reason = v['demo-if-empty'] ? demoBuildReason(dir) : null;
    if (reason) {
      process.stderr.write(`${reason}: building the demo catalogue first (once).\n`);
      await buildDemo(dir, { workers });
    }
    // Throws CatalogError for a missing, foreign or damaged catalogue: the CLI prints it and exits 1.
    const recommender = createServingRecommender(dir, {
      workers,
      maxQueue: 4 * workers,
      timeoutMs: timeoutS * 1000,
      deadlineMs: timeoutS * 1000,
      maxHeapMb: heapMb,
      maxSeconds: maxMinutes * 60,
      watchMs: watchS * 1000,
      log: logger.child({ component: 'catalog' }),
    });
    const uploadsDir = path.resolve(process.env.UPLOADS_DIR ?? 'uploads');
    const web = createApp({
      recommender,
      uploadsDir,
      maxUploadBytes: maxUploadMb * 1024 * 1024,
      maxAnalysisSeconds: maxMinutes * 60,
      busy: () => recommender.saturated(),
      rateLimit: perMinute > 0 ? { limit: perMinute } : false,
      trustProxy: trustProxy(process.env.TRUST_PROXY),
      logger,
    });
    const server = web.app.listen(port, host);
    // Slow-loris guard: a client gets 30 s to send its headers (bodies keep Node's 5-minute request limit).
    server.headersTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    const addr = server.address();
    const actual = typeof addr === 'object' && addr ? addr.port : port;
    const info = recommender.info();
    process.stdout.write(`groovematch serving ${info.tracks} tracks on http://${host}:${actual}/\n`);
    const onHup = () => void recommender.reload('SIGHUP', true);
    process.on('SIGHUP', onHup);
    await new Promise<void>((resolve) => {
      const stop = () => {
        server.close(() => resolve());
        server.closeAllConnections();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    process.off('SIGHUP', onHup);
    web.close();
    await recommender.close();
    return 0;
  },
};
