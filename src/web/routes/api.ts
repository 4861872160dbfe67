import { Router } from 'express';
import { recommendForUpload, uploadMiddleware, type UploadConfig } from '../upload.js';

/** JSON API: POST /api/recommend (multipart `file`, optional `k`). */
export function apiRouter(cfg: UploadConfig): Router {
  const router = Router();
  router.post('/recommend', ...uploadMiddleware(cfg), async (req, res) => {
    const out = await recommendForUpload(req, res, cfg);
    if (!out) return;
    const { query, best, worst, segments, excluded_track } = out.result;
    res.setHeader('Cache-Control', 'no-store');
    res.json({ query, best, worst, segments, excluded_track, csv_url: out.csvUrl });
  });
  return router;
}
