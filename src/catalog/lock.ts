import fs from 'node:fs';
import path from 'node:path';

export const LOCK_FILE = 'index.lock';

export class LockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One `index` run per data folder: two at once would interleave their writes to the same index files and
 * the second's summary would describe a catalogue the first is still changing. The lock file holds the
 * owner's pid; a lock left by a process that no longer exists (kill -9, power cut) is taken over.
 * Returns the function that releases it.
 */
export function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new LockError(`Another \`groovematch index\` (pid ${pid}) is updating ${dataDir}; wait for it to finish, or delete ${file} if that process is not groovematch.`);
    }
    fs.rmSync(file, { force: true });
  }
  throw new LockError(`Could not lock ${dataDir} (${file} keeps reappearing); is another index run starting?`);
}
