import { Router } from 'express';
import { ACCEPTED_FORMATS_TEXT, AUDIO_EXTENSIONS } from '../../audio/sniff.js';
import { displayName } from '../format.js';
import { recommendForUpload, uploadMiddleware, type UploadConfig } from '../upload.js';

/** The file picker's filter; a hint only, the server decides from the bytes. */
const ACCEPT = ['audio/*', ...AUDIO_EXTENSIONS].join(',');

/** k choices offered by the form: a few round numbers up to maxK, always including the default. */
function kChoices(defaultK: number, maxK: number): number[] {
  const set = new Set([1, 3, 5, 10, 20, 50, defaultK].filter((k) => k >= 1 && k <= maxK));
  return [...set].sort((a, b) => a - b);
}

/** The HTML front end: the upload form and its results page. */
export function pagesRouter(cfg: UploadConfig): Router {
  const router = Router();

  router.get('/', (_req, res) => {
    res.render('index', {
      title: 'Find music that grooves like yours',
      info: cfg.recommender.info(),
      acceptedFormats: ACCEPTED_FORMATS_TEXT,
      accept: ACCEPT,
      maxUploadMb: Math.round((cfg.maxUploadBytes / (1024 * 1024)) * 10) / 10,
      maxUploadBytes: cfg.maxUploadBytes,
      kChoices: kChoices(cfg.defaultK, cfg.maxK),
      defaultK: cfg.defaultK,
    });
  });

  router.post('/predict', ...uploadMiddleware(cfg), async (req, res) => {
    const out = await recommendForUpload(req, res, cfg);
    if (!out) return;
    res.setHeader('Cache-Control', 'no-store');
    res.render('results', {
      title: `Results for ${displayName(out.originalName)}`,
      uploadName: displayName(out.originalName),
      k: out.k,
      result: out.result,
      csvUrl: out.csvUrl,
      note: out.note,
    });
  });

  return router;
}
