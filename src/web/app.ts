import { mkdirSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import type { Recommender } from '../recommend/types.js';
import { errorHandler, notFound } from './errors.js';
import { formatTime, percent, trackLabel } from './format.js';
import { createLogger, requestLog, type Logger } from './logger.js';
import { PUBLIC_DIR, VIEWS_DIR } from './paths.js';
import { ResultStore } from './result-store.js';
import { apiRouter } from './routes/api.js';
import { healthRouter } from './routes/health.js';
import { pagesRouter } from './routes/pages.js';
import { resultsRouter } from './routes/results.js';
import { tracksRouter } from './routes/tracks.js';
import { securityHeaders, uploadRateLimit, type RateLimitOptions } from './security.js';
import type { UploadConfig } from './upload.js';

export { formatTime } from './format.js';

export interface AppOptions {
  recommender: Recommender;
  /** Where uploads are written (random names) while being analysed; created if missing. */
  uploadsDir: string;
  /** Default 50 MB. */
  maxUploadBytes?: number;
  /** How long a result's CSV stays downloadable. Default 1 h. */
  csvTtlMs?: number;
  /** Default 5. */
  defaultK?: number;
  /** Default 50. */
  maxK?: number;
  /** Results kept for CSV download at most. Default 1000. */
  maxStoredResults?: number;
  /** What the recommender analyses at most, in seconds, so longer uploads get a note. Unset: no note. */
  maxAnalysisSeconds?: number;
  /** True when analysis is saturated: uploads get 503 before their bytes are read. Default never. */
  busy?: () => boolean;
  /** Uploads per client address per minute; false turns the limit off. Default 30. */
  rateLimit?: RateLimitOptions | false;
  /** Express's `trust proxy` (set it behind a reverse proxy so the limit counts real clients). Default off. */
  trustProxy?: boolean | number | string;
  /** Default: pino at LOG_LEVEL. */
  logger?: Logger;
}

export interface WebApp {
  app: express.Express;
  /** Stop the result store's timer and drop kept results. Does not close the recommender. */
  close(): void;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
export const DEFAULT_CSV_TTL_MS = 60 * 60 * 1000;
export const DEFAULT_UPLOADS_PER_MINUTE = 30;

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  return v;
}

export function createApp(opts: AppOptions): WebApp {
  const maxUploadBytes = positiveInt('maxUploadBytes', opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES);
  const maxK = positiveInt('maxK', opts.maxK ?? 50);
  const defaultK = Math.min(positiveInt('defaultK', opts.defaultK ?? 5), maxK);
  const csvTtlMs = positiveInt('csvTtlMs', opts.csvTtlMs ?? DEFAULT_CSV_TTL_MS);
  const uploadsDir = path.resolve(opts.uploadsDir);
  mkdirSync(uploadsDir, { recursive: true });

  const store = new ResultStore(csvTtlMs, opts.maxStoredResults ?? 1000);
  const cfg: UploadConfig = {
    recommender: opts.recommender, store, uploadsDir, maxUploadBytes, defaultK, maxK,
    maxAnalysisSeconds: opts.maxAnalysisSeconds,
    busy: opts.busy ?? (() => false),
  };
  const rate = opts.rateLimit ?? { limit: DEFAULT_UPLOADS_PER_MINUTE };

  const app = express();
  app.disable('x-powered-by');
  if (opts.trustProxy !== undefined) app.set('trust proxy', opts.trustProxy);
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  app.locals.formatTime = formatTime;
  app.locals.percent = percent;
  app.locals.trackLabel = trackLabel;
  app.locals.appName = 'groovematch';

  app.use(requestLog(opts.logger ?? createLogger()));
  app.use(securityHeaders);
  app.use('/static', express.static(PUBLIC_DIR, { index: false, maxAge: '1h', fallthrough: true }));
  app.use(healthRouter(opts.recommender));
  // Before any body parsing, so a limited client's upload is refused unread. Counts POSTs only.
  if (rate) app.use(uploadRateLimit(rate));
  app.use(pagesRouter(cfg));
  app.use('/api', apiRouter(cfg));
  app.use('/results', resultsRouter(store));
  app.use('/tracks', tracksRouter(opts.recommender));
  app.use(notFound);
  app.use(errorHandler(maxUploadBytes));

  return {
    app,
    close: () => store.close(),
  };
}
