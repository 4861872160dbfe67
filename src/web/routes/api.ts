import { Router } from 'express';
import { recommendForUpload, uploadMiddleware, type UploadConfig } from '../upload.js';

/** JSON API: POST /api/recommend (multipart `file`, optional `k`, `mode`, `weights`, `same_tempo`). */
export function apiRouter(cfg: UploadConfig): Router {
  const router = Router();
  router.post('/recommend', ...uploadMiddleware(cfg), async (req, res) => {
    const out = await recommendForUpload(req, res, cfg);
    if (!out) return;
    const { query, best, worst, segments, excluded_track, ranking, alignments } = out.result;
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      query: { ...query, analysed_s: out.analysedS, truncated: out.truncated },
      ranking,
      best,
      worst,
      alignments,
      segments,
      excluded_track,
      csv_url: out.csvUrl,
      note: out.note,
    });
  });
  return router;
}
