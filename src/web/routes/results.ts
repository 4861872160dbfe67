import { Router } from 'express';
import { CSV_FILENAME, segmentsCsv } from '../../recommend/csv.js';
import { HttpError } from '../errors.js';
import type { ResultStore } from '../result-store.js';

const TOKEN = /^[A-Za-z0-9_-]{22}$/;

/** GET /results/:token/segments.csv: a kept result's similar segments as a CSV download. */
export function resultsRouter(store: ResultStore): Router {
  const router = Router();
  router.get('/:token/segments.csv', (req, res) => {
    const segments = TOKEN.test(req.params.token) ? store.get(req.params.token) : null;
    if (!segments) {
      throw new HttpError(404, 'This result has expired or never existed. Upload the song again to get a fresh CSV.');
    }
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${CSV_FILENAME}"`);
    res.setHeader('Cache-Control', 'private, no-store');
    res.send(segmentsCsv(segments));
  });
  return router;
}
