import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import multer from 'multer';
import { AudioError } from '../audio/errors.js';
import { logOf } from './logger.js';

/** An error whose status and message are meant for the client. */
export class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.headers = headers;
  }
}

export const RETRY_AFTER_S = 5;

const TITLES: Record<number, string> = {
  400: 'Bad request',
  404: 'Not found',
  405: 'Method not allowed',
  413: 'File too large',
  415: 'Unsupported file',
  416: 'Range not satisfiable',
  429: 'Too many uploads',
  500: 'Something went wrong',
  503: 'Busy',
};

interface Failure {
  status: number;
  message: string;
  headers: Record<string, string>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The analysis pool is full: `status === 503` or `code === 'busy'`. */
export function isBusy(err: unknown): boolean {
  return isRecord(err) && (err.status === 503 || err.code === 'busy');
}

export function tooLargeMessage(maxUploadBytes: number): string {
  const mb = maxUploadBytes / (1024 * 1024);
  const limit = mb >= 1 ? `${Number(mb.toFixed(1))} MB` : `${Number((maxUploadBytes / 1024).toFixed(1))} KB`;
  return `File too large: the limit is ${limit}.`;
}

function multerFailure(err: multer.MulterError, maxUploadBytes: number): Failure {
  if (err.code === 'LIMIT_FILE_SIZE') return { status: 413, message: tooLargeMessage(maxUploadBytes), headers: {} };
  if (err.code === 'LIMIT_FILE_COUNT' || err.code === 'LIMIT_UNEXPECTED_FILE') {
    return { status: 400, message: 'Upload exactly one file, in the form field `file`.', headers: {} };
  }
  if (err.code === 'LIMIT_FIELD_COUNT' || err.code === 'LIMIT_PART_COUNT') {
    return { status: 400, message: 'The form has too many fields: send `file` and, optionally, `k`, `mode`, `weights` and `same_tempo`.', headers: {} };
  }
  if (err.code === 'LIMIT_FIELD_VALUE' || err.code === 'LIMIT_FIELD_KEY') {
    return { status: 400, message: 'A form field is too long: send `file` and, optionally, `k` (a number), `mode`, `weights` and `same_tempo`.', headers: {} };
  }
  return { status: 400, message: MALFORMED, headers: {} };
}

const MALFORMED = 'Malformed upload: send a multipart/form-data form with the audio in the field `file`.';

/** busboy's complaints about the form itself (no boundary, bad framing, wrong content type). */
function isFormError(err: Record<string, unknown>): boolean {
  return (
    typeof err.message === 'string' &&
    /^(Multipart: Boundary not found|Unexpected end of form|Malformed part header|Unsupported content type)/.test(
      err.message,
    )
  );
}

/** Every failure becomes a status and a message a user may see. Unknown errors say nothing about internals. */
export function describeFailure(err: unknown, maxUploadBytes: number): Failure {
  if (err instanceof HttpError) return { status: err.status, message: err.message, headers: err.headers };
  if (err instanceof AudioError || (isRecord(err) && err.name === 'AudioError' && typeof err.status === 'number')) {
    const e = err as AudioError;
    return { status: e.status, message: e.message, headers: {} };
  }
  if (isBusy(err)) {
    const timeout = isRecord(err) && err.code === 'timeout';
    return {
      status: 503,
      message: timeout
        ? 'Analysis took too long and was stopped: the server is very busy or the file is unusually hard to decode. ' +
          'Please try again later, or upload a shorter excerpt.'
        : 'The server is busy analysing other uploads. Please try again in a few seconds.',
      headers: { 'Retry-After': String(RETRY_AFTER_S) },
    };
  }
  if (err instanceof multer.MulterError) return multerFailure(err, maxUploadBytes);
  if (isRecord(err) && isFormError(err)) return { status: 400, message: MALFORMED, headers: {} };
  // Errors from Express/body parsing (http-errors) that declare themselves safe to show, e.g. a bad URL encoding.
  if (isRecord(err)) {
    const status = typeof err.status === 'number' ? err.status : typeof err.statusCode === 'number' ? err.statusCode : 0;
    if (status >= 400 && status < 500) {
      const message = err.expose === true && typeof err.message === 'string' ? err.message : (TITLES[status] ?? 'Bad request');
      return { status, message, headers: {} };
    }
  }
  return { status: 500, message: 'Internal error', headers: {} };
}

/** The client went away mid-request (multer reports 'Request aborted' / 'Request closed'). */
function isClientGone(err: unknown): boolean {
  if (!isRecord(err)) return false;
  return (
    err.code === 'ECONNRESET' || err.code === 'ECONNABORTED' || err.code === 'aborted' ||
    (err.message === 'Request aborted' || err.message === 'Request closed')
  );
}

export function wantsJson(req: Request): boolean {
  return req.path.startsWith('/api/') || req.path === '/api' || req.path === '/healthz';
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, wantsJson(req) ? `No route ${req.method} ${req.path}` : 'There is no page at this address.'));
};

/** The one error handler: JSON for /api/*, an HTML page otherwise; never a stack trace. */
export function errorHandler(maxUploadBytes: number): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.destroyed && isClientGone(err)) return; // the client hung up mid-upload; nobody to answer
    const failure = describeFailure(err, maxUploadBytes);
    res.locals.errorCode = isRecord(err) && typeof err.code === 'string' ? err.code.slice(0, 40) : undefined;
    if (failure.status >= 500 && failure.status !== 503) logOf(res).error({ err }, 'request failed');
    // An upload refused mid-send is otherwise read to its end and discarded (Node does that for keep-alive),
    // which lets the client see the answer. Too large or of unknown length, the connection is closed instead.
    if (!req.complete && (failure.status === 413 || req.get('content-length') === undefined)) {
      res.setHeader('Connection', 'close');
    }
    if (res.headersSent) {
      // Too late for a status; let Express close the connection.
      next(err);
      return;
    }
    res.status(failure.status);
    for (const [k, v] of Object.entries(failure.headers)) res.setHeader(k, v);
    res.setHeader('Cache-Control', 'no-store');
    // Drop any headers a route set for the content it meant to send (e.g. a CSV download).
    res.removeHeader('Content-Disposition');
    if (wantsJson(req)) {
      res.json({ error: failure.message, status: failure.status });
      return;
    }
    const locals = {
      title: TITLES[failure.status] ?? (failure.status >= 500 ? 'Something went wrong' : 'Request failed'),
      status: failure.status,
      message: failure.message,
    };
    res.render('error', locals, (renderErr: Error | null, html?: string) => {
      if (renderErr) {
        logOf(res).error({ err: renderErr }, 'error page failed to render');
        res.type('text/plain; charset=utf-8').send(`${failure.status} ${failure.message}`);
        return;
      }
      res.type('html').send(html);
    });
  };
}
