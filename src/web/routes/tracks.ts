import path from 'node:path';
import { Router } from 'express';
import type { Recommender } from '../../recommend/types.js';
import { HttpError } from '../errors.js';

const ID = /^[1-9][0-9]{0,14}$/;
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'ENAMETOOLONG']);

/**
 * GET /tracks/:id/audio: a catalogue track's audio with Range support. The client supplies only an integer id;
 * the path comes from the catalogue.
 */
export function tracksRouter(recommender: Recommender): Router {
  const router = Router();
  router.get('/:id/audio', (req, res, next) => {
    if (!ID.test(req.params.id)) throw new HttpError(400, 'Track id must be a positive integer.');
    const file = recommender.trackAudioPath(Number(req.params.id));
    if (file === null) throw new HttpError(404, `No track with id ${req.params.id}.`);
    res.sendFile(path.resolve(file), { dotfiles: 'allow', maxAge: '1h' }, (err?: NodeJS.ErrnoException & { status?: number }) => {
      if (!err) return;
      if (res.headersSent) return; // client aborted mid-stream; nothing left to say
      if ((err.code && MISSING.has(err.code)) || err.status === 404) {
        next(new HttpError(404, `The audio file for track ${req.params.id} is missing.`));
        return;
      }
      next(err);
    });
  });
  return router;
}
