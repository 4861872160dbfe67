import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * One JSON line per event on stdout. LOG_LEVEL picks the level (default 'info'); under vitest the
 * default is 'silent' so test output stays readable.
 */
export function createLogger(level = process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info')): Logger {
  return pino({ level, base: { app: 'groovematch' } });
}

// A client's own id is echoed only when it is short and plain, so it cannot forge log structure.
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The request's logger (with its id), for handlers further down. */
export function logOf(res: Response): Logger {
  return (res.locals.log as Logger | undefined) ?? (fallback ??= createLogger());
}

let fallback: Logger | undefined;

/**
 * Gives every request an id (X-Request-Id, echoed) and logs one line when it ends: method, path,
 * status, duration, upload size. Never the body and never the client's file name.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const id = incoming && CLIENT_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', id);
    const log = logger.child({ req_id: id });
    res.locals.log = log;
    const t0 = performance.now();
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      const entry = {
        method: req.method,
        // pino JSON-escapes strings; the cap keeps a hostile URL from bloating the log.
        path: req.originalUrl.slice(0, 200),
        status: res.statusCode,
        ms: Math.round((performance.now() - t0) * 10) / 10,
        bytes_in: Number(req.get('content-length') ?? 0) || undefined,
        // The client hung up before the response was complete.
        aborted: res.writableFinished ? undefined : true,
        err: res.locals.errorCode as string | undefined,
      };
      if (res.statusCode >= 500 && res.statusCode !== 503) log.error(entry, 'request');
      else if (req.path === '/healthz' && res.statusCode === 200) log.debug(entry, 'request'); // probes poll it often
      else log.info(entry, 'request');
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}
