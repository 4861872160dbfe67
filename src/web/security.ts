import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { HttpError, tooLargeMessage } from './errors.js';

/**
 * Same-origin everything: no external requests, no framing, no MIME sniffing. helmet's default CSP is
 * replaced, not extended: it allows inline styles everywhere and adds upgrade-insecure-requests, which
 * breaks the site when it is served over plain HTTP on a LAN address.
 */
export const securityHeaders: RequestHandler = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      // Similarity bars set their width with a style attribute; no inline <style> or script is allowed.
      styleSrcAttr: ["'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      mediaSrc: ["'self'"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
    },
  },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
});

export interface RateLimitOptions {
  /** Uploads (POST requests) per client address per window. */
  limit: number;
  /** Default one minute. */
  windowMs?: number;
}

/** Per-address limit on POST requests (uploads); GETs, /healthz included, are never counted. */
export function uploadRateLimit(opts: RateLimitOptions): RequestHandler {
  const windowMs = opts.windowMs ?? 60_000;
  const per = windowMs === 60_000 ? 'per minute' : `per ${Math.round(windowMs / 1000)} s`;
  return rateLimit({
    windowMs,
    limit: opts.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skip: (req) => req.method !== 'POST',
    handler: (req, _res, next) => {
      const reset = (req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime?.getTime();
      const wait = Math.max(1, Math.ceil(((reset ?? Date.now() + windowMs) - Date.now()) / 1000));
      next(
        new HttpError(
          429,
          `Too many uploads from your address: the limit is ${opts.limit} ${per}. Please try again in ${wait} s.`,
          { 'Retry-After': String(wait) },
        ),
      );
    },
  });
}

/** Multipart framing and the `k` field on top of the file itself. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

/**
 * Refuse an upload before reading its body when the answer is already known: a declared length over
 * the limit (413) or a full analysis queue (503). Saves the client sending, and us storing, the bytes.
 */
export function refuseEarly(maxUploadBytes: number, busy: () => boolean): RequestHandler {
  return (req, _res, next) => {
    const declared = Number(req.get('content-length'));
    if (Number.isFinite(declared) && declared > maxUploadBytes + FORM_OVERHEAD_BYTES) {
      next(new HttpError(413, tooLargeMessage(maxUploadBytes)));
      return;
    }
    if (busy()) {
      next(Object.assign(new Error('analysis queue full'), { code: 'busy', status: 503 }));
      return;
    }
    next();
  };
}
