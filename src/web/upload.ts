import { randomBytes, createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { ACCEPTED_FORMATS_TEXT, sniffFormat } from '../audio/sniff.js';
import type { RecommendResult, Recommender } from '../recommend/types.js';
import { HttpError } from './errors.js';
import { formatTime } from './format.js';
import { logOf } from './logger.js';
import type { ResultStore } from './result-store.js';
import { refuseEarly } from './security.js';
import { DEFAULT_MODE, WeightsError, resolveWeights } from '../recommend/modes.js';
import type { BlockWeights } from '../features/types.js';

export const SNIFF_BYTES = 64 * 1024;

export interface UploadConfig {
  recommender: Recommender;
  store: ResultStore;
  uploadsDir: string;
  maxUploadBytes: number;
  defaultK: number;
  maxK: number;
  /** The recommender analyses at most this many seconds of an upload; longer ones get a note. */
  maxAnalysisSeconds?: number;
  /** True when the analysis queue is full: uploads are refused (503) before their bytes are read. */
  busy: () => boolean;
}

export interface UploadOutcome {
  result: RecommendResult;
  token: string;
  csvUrl: string;
  /** The client's file name, for display only; it never touches the file system. */
  originalName: string;
  k: number;
  /** Seconds of audio analysed, and whether that is less than the whole upload. */
  analysedS: number;
  truncated: boolean;
  /** Shown to the user when something about the analysis deserves a word, else null. */
  note: string | null;
}

// One removal per uploaded file, however many paths (finish, close, finally) ask for it.
const removals = new WeakMap<Express.Multer.File, Promise<void>>();

/** Delete the request's temp upload, once. Safe to call from anywhere, any number of times. */
export function removeUpload(req: Request, res: Response): Promise<void> {
  const file = req.file;
  // Multer may leave a file object without a path when the form broke mid-part; it removed its own partial file.
  if (!file || typeof file.path !== 'string') return Promise.resolve();
  let p = removals.get(file);
  if (!p) {
    p = fsp.unlink(file.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') logOf(res).error({ err, file: path.basename(file.path) }, 'could not delete upload');
    });
    removals.set(file, p);
  }
  return p;
}

/**
 * Multipart parsing into `uploadsDir` under random names (never the client's), with limits.
 * Multer deletes its own partial file when it fails midway (size limit, client abort); once it has
 * handed us a file, the response's 'close' (success, error or client abort) deletes it.
 */
export function uploadMiddleware(cfg: Pick<UploadConfig, 'uploadsDir' | 'maxUploadBytes' | 'busy'>): RequestHandler[] {
  const storage = multer.diskStorage({
    destination: cfg.uploadsDir,
    filename: (_req, _file, cb) => cb(null, randomBytes(16).toString('hex')),
  });
  const parse = multer({
    storage,
    limits: { fileSize: cfg.maxUploadBytes, files: 1, fields: 10, fieldSize: 1024, parts: 12 },
    // Keep the name exactly as sent, for display only (a basename split would mangle names containing "/").
    preservePath: true,
    defParamCharset: 'utf8',
  }).single('file');
  const cleanupOnClose: RequestHandler = (req, res, next) => {
    res.on('close', () => void removeUpload(req, res));
    next();
  };
  return [refuseEarly(cfg.maxUploadBytes, cfg.busy), cleanupOnClose, parse];
}

/** "10 minutes", "1 minute" or "1:30" for a limit in seconds. */
function span(seconds: number): string {
  const m = seconds / 60;
  if (Number.isInteger(m)) return m === 1 ? '1 minute' : `${m} minutes`;
  return formatTime(seconds);
}

/** Mode and optional block weights ("tempo=0,timbre=0.5"); absent means the catalogue's own weighting. */
function parseWeights(mode: unknown, weights: unknown): { mode?: string; weights?: BlockWeights } {
  if ((mode === undefined || mode === '') && (weights === undefined || weights === '')) return {};
  if (mode !== undefined && typeof mode !== 'string') throw new HttpError(400, 'mode must be a single value.');
  if (weights !== undefined && typeof weights !== 'string') throw new HttpError(400, 'weights must be a single value.');
  try {
    const name = mode || DEFAULT_MODE;
    return { mode: weights ? `${name}+custom` : name, weights: resolveWeights(name, weights || undefined) };
  } catch (err) {
    if (err instanceof WeightsError) throw new HttpError(400, err.message);
    throw err;
  }
}

/** `same_tempo`: `first` (the default) places the nearest match at the upload's tempo first, `off` does not. */
function parseSameTempo(raw: unknown): boolean {
  if (raw === undefined || raw === '' || raw === 'first') return true;
  if (raw === 'off') return false;
  throw new HttpError(400, 'same_tempo must be `first` (the nearest match at your tempo first) or `off` (by similarity alone).');
}

function parseK(raw: unknown, defaultK: number, maxK: number): number {
  if (raw === undefined || raw === '') return defaultK;
  if (typeof raw === 'string' && /^\s*\d{1,6}\s*$/.test(raw)) {
    const k = Number(raw);
    if (k >= 1 && k <= maxK) return k;
  }
  throw new HttpError(400, `k must be a whole number from 1 to ${maxK}.`);
}

async function readHead(path: string, n: number): Promise<Uint8Array> {
  const fh = await fsp.open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return new Uint8Array(buf.buffer, buf.byteOffset, bytesRead);
  } finally {
    await fh.close();
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/**
 * Validate, sniff, hash, analyse and recommend for the request's upload; always deletes the temp file
 * before returning or throwing. Returns null if the client went away before analysis started.
 */
export async function recommendForUpload(req: Request, res: Response, cfg: UploadConfig): Promise<UploadOutcome | null> {
  try {
    const file = req.file;
    if (!file) {
      if (!req.is('multipart/form-data')) {
        throw new HttpError(400, 'Send the song as a multipart/form-data form with the file in the field `file` (curl -F file=@song.mp3).');
      }
      throw new HttpError(400, 'No file uploaded (form field `file`).');
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const k = parseK(body.k ?? req.query.k, cfg.defaultK, cfg.maxK);
    const { mode, weights } = parseWeights(body.mode ?? req.query.mode, body.weights ?? req.query.weights);
    const sameTempoFirst = parseSameTempo(body.same_tempo ?? req.query.same_tempo);
    if (file.size === 0) throw new HttpError(400, 'The uploaded file is empty.');

    const head = await readHead(file.path, SNIFF_BYTES);
    if (head.length === 0) throw new HttpError(400, 'The uploaded file is empty.');
    if (sniffFormat(head) === null) {
      throw new HttpError(415, `Not a supported audio file. Accepted: ${ACCEPTED_FORMATS_TEXT.replace(/[.\s]+$/, '')}.`);
    }
    if (res.destroyed) return null; // client gone: skip the expensive part

    // A client that hangs up mid-analysis frees its worker instead of waiting for nobody.
    const gone = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) gone.abort();
    };
    res.on('close', onClose);
    let analysis;
    let contentHash;
    try {
      [analysis, contentHash] = await Promise.all([
        cfg.recommender.analyseFile(file.path, { signal: gone.signal }),
        sha256File(file.path),
      ]);
    } finally {
      res.off('close', onClose);
    }
    const result = cfg.recommender.recommend(analysis, {
      k,
      content_hash: contentHash,
      mode,
      weights,
      ...(sameTempoFirst ? {} : { same_tempo_first: false }),
    });
    const token = cfg.store.put(result.segments);
    const analysedS = result.query.duration_s;
    const max = cfg.maxAnalysisSeconds;
    // The decoder keeps exactly max seconds of a longer file, so reaching the cap means the rest was cut.
    const truncated = max !== undefined && analysedS >= max - 0.05;
    return {
      result,
      token,
      csvUrl: `/results/${token}/segments.csv`,
      originalName: file.originalname,
      k,
      analysedS,
      truncated,
      note: truncated
        ? `Only the first ${span(max)} of your upload were analysed (the limit on this server); the matches describe that part.`
        : null,
    };
  } finally {
    await removeUpload(req, res);
  }
}
