import { Router } from 'express';
import type { Recommender } from '../../recommend/types.js';

/** GET /healthz: liveness plus catalogue size; no I/O beyond the recommender's cached info. */
export function healthRouter(recommender: Recommender): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    const info = recommender.info();
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, tracks: info.tracks, segments: info.segments, feature_version: info.feature_version });
  });
  return router;
}
