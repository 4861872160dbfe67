import { randomBytes, createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { ACCEPTED_FORMATS_TEXT, sniffFormat } from '../audio/sniff.js';
import type { RecommendResult, Recommender } from '../recommend/types.js';
import { HttpError } from './errors.js';
import type { ResultStore } from './result-store.js';

export const SNIFF_BYTES = 64 * 1024;

export interface UploadConfig {
  recommender: Recommender;
  store: ResultStore;
  uploadsDir: string;
  maxUploadBytes: number;
  defaultK: number;
  maxK: number;
}

export interface UploadOutcome {
  result: RecommendResult;
  token: string;
  csvUrl: string;
  /** The client's file name, for display only; it never touches the file system. */
  originalName: string;
  k: number;
}

// One removal per uploaded file, however many paths (finish, close, finally) ask for it.
const removals = new WeakMap<Express.Multer.File, Promise<void>>();

/** Delete the request's temp upload, once. Safe to call from anywhere, any number of times. */
export function removeUpload(req: Request): Promise<void> {
  const file = req.file;
  if (!file) return Promise.resolve();
  let p = removals.get(file);
  if (!p) {
    p = fsp.unlink(file.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') console.error('[groovematch] could not delete upload', file.path, err);
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
export function uploadMiddleware(cfg: Pick<UploadConfig, 'uploadsDir' | 'maxUploadBytes'>): RequestHandler[] {
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
    res.on('close', () => void removeUpload(req));
    next();
  };
  return [cleanupOnClose, parse];
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
    if (!file) throw new HttpError(400, 'No file uploaded (form field `file`).');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const k = parseK(body.k ?? req.query.k, cfg.defaultK, cfg.maxK);
    if (file.size === 0) throw new HttpError(400, 'The uploaded file is empty.');

    const head = await readHead(file.path, SNIFF_BYTES);
    if (head.length === 0) throw new HttpError(400, 'The uploaded file is empty.');
    if (sniffFormat(head) === null) {
      throw new HttpError(415, `Not a supported audio file. Accepted: ${ACCEPTED_FORMATS_TEXT.replace(/[.\s]+$/, '')}.`);
    }
    if (res.destroyed) return null; // client gone: skip the expensive part

    const [analysis, contentHash] = await Promise.all([cfg.recommender.analyseFile(file.path), sha256File(file.path)]);
    const result = cfg.recommender.recommend(analysis, { k, content_hash: contentHash });
    const token = cfg.store.put(result.segments);
    return {
      result,
      token,
      csvUrl: `/results/${token}/segments.csv`,
      originalName: file.originalname,
      k,
    };
  } finally {
    await removeUpload(req);
  }
}
