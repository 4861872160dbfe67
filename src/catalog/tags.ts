import path from 'node:path';
import { parseFile } from 'music-metadata';
import type { TrackTags } from './store.js';

function clean(s: string | undefined | null): string | null {
  const t = s?.replace(/\0/g, '').trim();
  return t ? t : null;
}

/** Title, artist, album and free tags (genres, mood). Unreadable tags are not an error: the audio is what counts. */
export async function readTags(file: string): Promise<TrackTags> {
  const fallback = path.basename(file, path.extname(file));
  try {
    const { common } = await parseFile(file, { duration: false, skipCovers: true });
    // Genre fields often pack several values ("House; Deep House"); split, and dedupe ignoring case.
    const raw = [...(common.genre ?? []), ...(common.mood ? [common.mood] : [])].flatMap((g) => g.split(/[;,/|]/));
    const seen = new Set<string>();
    const tags: string[] = [];
    for (const g of raw) {
      const t = clean(g);
      if (t && !seen.has(t.toLowerCase())) {
        seen.add(t.toLowerCase());
        tags.push(t);
      }
    }
    return { title: clean(common.title) ?? fallback, artist: clean(common.artist), album: clean(common.album), tags };
  } catch {
    return { title: fallback, artist: null, album: null, tags: [] };
  }
}
