/**
 * A git ref's src/ in a scratch folder beside a link to our node_modules, so a script can import the old
 * feature code through tsx beside the working tree's (check-vectors.ts, bench-stages.ts).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.join(import.meta.dirname, '..');

export const git = (...a: string[]) => execFileSync('git', ['-C', ROOT, ...a], { encoding: 'utf8' }).trim();

/** The ref given, or the merge base of HEAD and main. */
export function defaultRef(given: string): string {
  return given || git('merge-base', 'HEAD', 'main');
}

/** The folder holding ref's src/ (made once per commit) and the commit. */
export function refTree(ref: string): { dir: string; sha: string } {
  const sha = git('rev-parse', ref);
  const dir = path.join(os.tmpdir(), `gm-ref-${sha.slice(0, 12)}`);
  if (!fs.existsSync(path.join(dir, 'src', 'features', 'vector.ts'))) {
    fs.mkdirSync(dir, { recursive: true });
    execFileSync('sh', ['-c', `git -C "${ROOT}" archive "${sha}" src package.json | tar -x -C "${dir}"`]);
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  }
  return { dir, sha };
}

/** HEAD's short hash, and whether src/ has uncommitted changes. */
export function headLabel(): string {
  const dirty = git('status', '--porcelain', 'src').length > 0 ? ' + uncommitted changes' : '';
  return git('rev-parse', '--short', 'HEAD') + dirty;
}
