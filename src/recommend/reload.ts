import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CATALOG_FILE, META } from '../catalog/store.js';
import { AnalysisPool, type CallOptions } from '../features/pool.js';
import { openCatalogView, type CatalogView, type ViewOptions } from './catalog-view.js';
import { recommendFrom, warmUp, type RecommenderOptions } from './query.js';
import type { CatalogInfo, Recommender } from './types.js';

export interface ServingOptions extends RecommenderOptions {
  /** Whole-request analysis deadline (queue wait included), ms. Default none. */
  deadlineMs?: number;
  /** Look for a finished build this often, ms; 0 turns watching off (SIGHUP still works). Default 5000. */
  watchMs?: number;
  view?: ViewOptions;
  log?: ReloadLog;
}

export interface ReloadLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A Recommender that follows the catalogue: it switches to a newly built index without a restart. */
export interface ServingRecommender extends Recommender {
  /** Switch if the catalogue changed (or always, with force). True when it switched. Never throws. */
  reload(why: string, force?: boolean): boolean;
  /** New analyses would be refused right now. */
  saturated(): boolean;
}

/** One opened catalogue, pinned to a read snapshot, counted while requests use it. */
interface Held {
  view: CatalogView;
  info: CatalogInfo;
  stamp: string;
  refs: number;
  retired: boolean;
}

const quiet: ReloadLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * What identifies a build: the database file, its built_at, and the index files' times. Read through a
 * fresh connection, since the held one sees only its snapshot.
 */
function readStamp(dataDir: string): { stamp: string; pending: boolean } {
  const file = path.join(dataDir, CATALOG_FILE);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.exec('BEGIN');
    const get = (k: string) => (db.prepare('SELECT value FROM meta WHERE key = ?').get(k) as { value: string } | undefined)?.value;
    const built = get(META.builtAt) ?? '';
    const pending = Boolean(get(META.indexPending));
    db.exec('COMMIT');
    return { stamp: `${fs.statSync(file).ino}|${built}|${filesStamp(dataDir)}`, pending };
  } finally {
    db.close();
  }
}

/** Size and mtime of every index file in the data dir, whatever the backend. */
function filesStamp(dataDir: string): string {
  const names = fs.readdirSync(dataDir).filter((n) => /^(tracks|segments)\.[a-z0-9]+$/.test(n)).sort();
  return names
    .map((n) => {
      const st = fs.statSync(path.join(dataDir, n), { throwIfNoEntry: false });
      return st ? `${n}:${st.size}:${st.mtimeMs}:${st.ino}` : n;
    })
    .join(',');
}

/**
 * Open the catalogue and pin it: the connection keeps one read transaction open for the view's life, so
 * a build writing meanwhile (new rows, renumbered ann ids) cannot be seen next to the old index files.
 * The index files are checked unchanged across the open, so files and snapshot belong together.
 */
function openPinned(dataDir: string, viewOpts: ViewOptions | undefined): { held: Held; pending: boolean } {
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = filesStamp(dataDir);
    const view = openCatalogView(dataDir, viewOpts);
    try {
      const db = view.catalog.db;
      db.exec('BEGIN');
      const pending = Boolean(view.catalog.getMeta(META.indexPending)); // the first read fixes the snapshot
      const after = filesStamp(dataDir);
      if (after !== before) {
        view.close();
        continue;
      }
      const built = view.catalog.getMeta(META.builtAt) ?? '';
      const stamp = `${fs.statSync(path.join(dataDir, CATALOG_FILE)).ino}|${built}|${after}`;
      warmUp(view);
      // Counts are fixed by the snapshot, so /healthz never has to count rows.
      return { held: { view, info: view.catalog.info(), stamp, refs: 0, retired: false }, pending };
    } catch (err) {
      view.close();
      throw err;
    }
  }
  throw new Error(`the index files in ${dataDir} kept changing while being opened`);
}

/**
 * The server's Recommender. Opens the catalogue (throws CatalogError when it is unusable), shares one
 * analysis pool across catalogue versions, and swaps to a new version when a build finishes: on
 * reload() (SIGHUP) and by polling. The old version is closed once the last request using it is done.
 */
export function createServingRecommender(dataDir: string, opts: ServingOptions = {}): ServingRecommender {
  const log = opts.log ?? quiet;
  const first = openPinned(dataDir, opts.view);
  if (first.pending) {
    log.warn({ data_dir: dataDir }, 'an index build is running or was interrupted: results may be inconsistent until `groovematch index` completes');
  }
  let current = first.held;
  let failedStamp: string | null = null;
  const pool = new AnalysisPool(opts);

  const acquire = (): Held => {
    current.refs++;
    return current;
  };
  const release = (h: Held): void => {
    h.refs--;
    if (h.retired && h.refs === 0) h.view.close();
  };
  const using = <T>(f: (view: CatalogView) => T): T => {
    const h = acquire();
    try {
      return f(h.view);
    } finally {
      release(h);
    }
  };

  const reload = (why: string, force = false): boolean => {
    try {
      const seen = readStamp(dataDir);
      if (seen.pending) {
        if (force) log.warn({ why }, 'not switching: an index build is writing its files (or was interrupted)');
        return false;
      }
      if (!force && (seen.stamp === current.stamp || seen.stamp === failedStamp)) return false;
      const opened = openPinned(dataDir, opts.view);
      if (opened.pending) {
        opened.held.view.close();
        return false;
      }
      const old = current;
      current = opened.held;
      failedStamp = null;
      old.retired = true;
      if (old.refs === 0) old.view.close();
      log.info({ why, tracks: current.info.tracks, built_at: current.info.built_at }, 'switched to the new catalogue');
      return true;
    } catch (err) {
      // Keep serving the old catalogue; say why once per broken build, not on every poll.
      try {
        failedStamp = readStamp(dataDir).stamp;
      } catch {
        failedStamp = null;
      }
      log.error({ why, error: (err as Error).message }, 'could not open the new catalogue; still serving the old one');
      return false;
    }
  };

  const watchMs = opts.watchMs ?? 5000;
  const timer = watchMs > 0 ? setInterval(() => reload('watch'), watchMs) : null;
  timer?.unref();

  return {
    analyseFile: (file: string, call: CallOptions = {}) =>
      pool.analyse(file, { maxSeconds: opts.maxSeconds, query: true }, { deadlineMs: opts.deadlineMs, ...call }),
    recommend: (analysis, o) => using((view) => recommendFrom(view, analysis, o)),
    trackAudioPath: (id) => using((view) => view.catalog.trackById(id)?.path ?? null),
    info: () => current.info,
    saturated: () => pool.saturated,
    reload,
    async close() {
      if (timer) clearInterval(timer);
      await pool.close();
      current.retired = true;
      if (current.refs === 0) current.view.close();
    },
  };
}
