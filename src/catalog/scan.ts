import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AUDIO_EXTENSIONS } from '../audio/sniff.js';

export interface ScannedFile {
  path: string;
  size: number;
  mtime_ms: number;
}

/**
 * Audio files under dirs (absolute, sorted). Hidden names are skipped (.git, macOS ._ files); symlinked
 * files are followed, symlinked directories are not (no cycles). Unreadable directories are reported, not fatal.
 */
export async function scanAudio(
  dirs: readonly string[],
  extensions: readonly string[] = AUDIO_EXTENSIONS,
  log: (line: string) => void = () => undefined,
): Promise<ScannedFile[]> {
  const exts = new Set(extensions.map((e) => e.toLowerCase()));
  const found = new Map<string, ScannedFile>();
  const walk = async (dir: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch (err) {
      log(`cannot read ${dir}: ${(err as Error).message}`);
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        await walk(p);
        continue;
      }
      if (!(e.isFile() || e.isSymbolicLink()) || !exts.has(path.extname(e.name).toLowerCase())) continue;
      try {
        const st = await fs.promises.stat(p);
        if (st.isFile()) found.set(p, { path: p, size: st.size, mtime_ms: st.mtimeMs });
      } catch {
        // A dangling symlink or a file deleted while scanning: nothing to index.
      }
    }
  };
  for (const d of dirs) await walk(path.resolve(d));
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Whether p lies inside one of dirs (all absolute). */
export function isUnder(p: string, dirs: readonly string[]): boolean {
  return dirs.some((d) => p.startsWith(d.endsWith(path.sep) ? d : d + path.sep));
}
