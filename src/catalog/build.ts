import fs from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { AudioError } from '../audio/errors.js';
import { AnalysisPool } from '../features/pool.js';
import { lockDataDir } from './lock.js';
import { computeStats, finalVector, statsToJson, type Block } from '../features/standardise.js';
import type { Analysis, BlockWeights, FeatureStats } from '../features/types.js';
import {
  BLOCKS,
  DEFAULT_WEIGHTS,
  SEGMENT_WEIGHTS,
  FEATURE_VERSION,
  SEGMENT_HOP_S,
  SEGMENT_WINDOW_S,
  VECTOR_LENGTH,
} from '../features/vector.js';
import { DEFAULT_INDEX, indexFileName, isIndexKind, writeIndexFiles, type IndexKind } from './index-files.js';
import { formatDuration, type BuildProgress } from './progress.js';
import { isUnder, scanAudio, sha256File, type ScannedFile } from './scan.js';
import { chooseStoredReadings } from './readings.js';
import { Catalog, META, type TrackRow, type VectorItem } from './store.js';
import { readTags } from './tags.js';

export interface BuildOptions {
  dirs: string[];
  dataDir: string;
  workers?: number;
  onProgress?: (p: BuildProgress) => void;
  log?: (line: string) => void;
  /** Index backend to build (an `exact` file is always written too); default: the catalogue's current one. */
  index?: IndexKind;
  /**
   * Remove tracks whose files vanished from the scanned folders. Off by default: an unmounted disk or an
   * unreadable folder looks exactly like a deletion, and re-analysing a library takes hours. Moves need no
   * prune: a vanished path whose bytes were found under a scanned path is dropped anyway.
   */
  prune?: boolean;
}

export interface BuildSummary {
  /** New paths. */
  added: number;
  /** Known paths whose file changed (re-analysed, or only touched when the bytes are the same). */
  updated: number;
  /** Unchanged (size, mtime and feature version). */
  skipped: number;
  /** Tracks removed: vanished (with prune), moved, or of a stale feature version. */
  removed: number;
  /** Vanished from the scanned folders but kept, because prune was off. */
  missing: number;
  failed: { path: string; reason: string }[];
  /** Catalogue totals after the build. */
  tracks: number;
  segments: number;
  /** Audio analysed in this run. */
  audio_hours: number;
  seconds: number;
  /** Audio seconds analysed per wall-clock second. */
  realtime_factor: number;
}

interface Job extends ScannedFile {
  known?: { id: number; hash: string; feature_version: string };
}

/** Scan, analyse what changed, store it, then rebuild stats and both indexes. The `index` command. */
export async function buildCatalog(opts: BuildOptions): Promise<BuildSummary> {
  const started = performance.now();
  const log = opts.log ?? (() => undefined);
  const dirs = opts.dirs.map((d) => path.resolve(d));
  for (const d of dirs) {
    if (!fs.statSync(d, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`Not a directory: ${d}`);
  }
  const unlock = lockDataDir(opts.dataDir);
  let catalog: Catalog;
  try {
    catalog = Catalog.open(opts.dataDir);
  } catch (e) {
    unlock();
    throw e;
  }
  const s: BuildSummary = {
    added: 0, updated: 0, skipped: 0, removed: 0, missing: 0, failed: [], tracks: 0, segments: 0,
    audio_hours: 0, seconds: 0, realtime_factor: 0,
  };
  // Started on first need: a build with nothing to analyse should not spin up workers.
  const lazy: { pool?: AnalysisPool } = {};
  try {
    const previous = catalog.getMeta(META.featureVersion);
    if (previous !== null && previous !== FEATURE_VERSION) {
      log(`features changed (${previous} → ${FEATURE_VERSION}): every track is re-analysed`);
    }
    const files = await scanAudio(dirs, undefined, log);
    log(`found ${files.length} audio files under ${dirs.join(', ')}`);
    const vanished: { id: number; hash: string }[] = [];
    const jobs = plan(catalog, files, dirs, s, vanished);

    const workers = Math.max(1, opts.workers ?? availableParallelism());
    let analysedS = 0;
    let done = 0;
    // A pool that fails every file for a reason not in the file (e.g. a worker that cannot start) stops the
    // run rather than recording the whole library as failed.
    const poolHealth = { ok: 0, broken: 0, error: null as Error | null };
    const t0 = performance.now();
    const one = async (job: Job): Promise<void> => {
      try {
        const hash = await sha256File(job.path);
        const file = { path: job.path, size: job.size, mtime_ms: job.mtime_ms, hash };
        if (job.known && job.known.hash === hash && job.known.feature_version === FEATURE_VERSION) {
          catalog.touchTrack(job.known.id, job.size, job.mtime_ms);
        } else {
          // Identical bytes elsewhere in the catalogue (a copy or a move) need no second analysis.
          const twin = catalog.trackByHash(hash);
          let analysis: Analysis;
          if (twin && twin.feature_version === FEATURE_VERSION) analysis = analysisOf(catalog, twin);
          else {
            lazy.pool ??= new AnalysisPool({ workers, timeoutMs: 15 * 60_000 });
            try {
              analysis = await lazy.pool.analyse(job.path);
              poolHealth.ok++;
            } catch (err) {
              if (!(err instanceof AudioError) && ++poolHealth.broken >= Math.max(3, workers) && poolHealth.ok === 0) {
                poolHealth.error ??= new Error(`Analysis fails for every file: ${(err as Error).message}`);
              }
              throw err;
            }
            analysedS += analysis.duration_s;
          }
          checkAnalysis(analysis);
          catalog.putTrack(file, await readTags(job.path), analysis);
        }
        if (job.known) s.updated++;
        else s.added++;
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        // Bad audio: the old row describes bytes that are gone. Other failures may be passing, so the old
        // row stays (a stale feature version is dropped after the loop).
        if (job.known && err instanceof AudioError) catalog.removeTrack(job.known.id);
        catalog.recordFailure(job.path, reason);
        s.failed.push({ path: job.path, reason });
        log(`failed: ${job.path}: ${reason}`);
      }
      done++;
      const elapsed = (performance.now() - t0) / 1000;
      opts.onProgress?.({ done, total: jobs.length, file: job.path, etaS: (elapsed / done) * (jobs.length - done) });
    };
    // Twice the workers in flight keeps every worker fed while others hash, read tags or write.
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < jobs.length && !poolHealth.error) await one(jobs[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(jobs.length, workers * 2) }, lane));
    if (poolHealth.error) throw poolHealth.error;
    const present = new Set(files.map((f) => f.path));
    const copies = catalog.db.prepare('SELECT id, path FROM tracks WHERE hash = ?');
    for (const t of vanished) {
      const moved = (copies.all(t.hash) as { id: number; path: string }[]).some((o) => o.id !== t.id && present.has(o.path));
      if (opts.prune || moved) {
        catalog.removeTrack(t.id);
        s.removed++;
      } else s.missing++;
    }
    const stale = catalog.removeOtherVersions(FEATURE_VERSION);
    if (stale > 0) log(`removed ${stale} tracks that could not be re-analysed with features ${FEATURE_VERSION}`);
    s.removed += stale;
    await lazy.pool?.close();
    lazy.pool = undefined;

    writeIndexes(catalog, log, opts.index);
    const c = catalog.counts();
    s.tracks = c.tracks;
    s.segments = c.segments;
    s.audio_hours = analysedS / 3600;
    s.seconds = (performance.now() - started) / 1000;
    s.realtime_factor = s.seconds > 0 ? analysedS / s.seconds : 0;
    return s;
  } finally {
    await lazy.pool?.close();
    catalog.close();
    unlock();
  }
}

/** What needs work: new, changed or stale files. Tracks whose files vanished under the scanned dirs go to `vanished`. */
function plan(
  catalog: Catalog,
  files: ScannedFile[],
  dirs: string[],
  s: BuildSummary,
  vanished: { id: number; hash: string }[],
): Job[] {
  const seen = new Set(files.map((f) => f.path));
  const known = new Map(catalog.trackFiles().map((t) => [t.path, t]));
  const jobs: Job[] = [];
  for (const f of files) {
    const k = known.get(f.path);
    if (k && k.size === f.size && k.mtime_ms === f.mtime_ms && k.feature_version === FEATURE_VERSION) s.skipped++;
    else jobs.push({ ...f, known: k });
  }
  for (const t of known.values()) {
    if (seen.has(t.path)) continue;
    if (isUnder(t.path, dirs)) {
      vanished.push(t);
      continue;
    }
    // Outside this scan, tracks are left alone unless stale: one catalogue holds one feature version.
    const st = fs.statSync(t.path, { throwIfNoEntry: false });
    if (t.feature_version !== FEATURE_VERSION && st?.isFile()) {
      jobs.push({ path: t.path, size: st.size, mtime_ms: st.mtimeMs, known: t });
    }
  }
  for (const f of catalog.failures()) if (!seen.has(f.path) && isUnder(f.path, dirs)) catalog.clearFailure(f.path);
  return jobs;
}

function checkAnalysis(a: Analysis): void {
  if (a.feature_version !== FEATURE_VERSION) throw new Error(`analysis has feature version ${a.feature_version}`);
  if (a.vector.length !== VECTOR_LENGTH) throw new Error(`analysis vector has length ${a.vector.length}`);
}

/** Rebuild an Analysis from stored rows, to reuse it for a byte-identical file. */
function analysisOf(catalog: Catalog, t: TrackRow): Analysis {
  const r = catalog.measuredReadings(t.id);
  const print = catalog.trackPrint(t.id);
  return {
    feature_version: t.feature_version,
    duration_s: t.duration_s,
    tempo: t.tempo,
    tempo_confidence: t.tempo_confidence,
    vector: r?.vector ?? t.vector,
    ...(r?.alt_vector && (r.alt_factor === 2 || r.alt_factor === 0.5) ? { alt_vector: r.alt_vector, alt_factor: r.alt_factor } : {}),
    ...(print ? { print } : {}),
    segments: catalog.segmentsOfTrack(t.id).map((g) => ({
      start_s: g.start_s,
      end_s: g.end_s,
      tempo: g.tempo,
      vector: g.vector,
    })),
  };
}

function* finalVectors(
  items: Iterable<VectorItem>,
  stats: FeatureStats,
  blocks: readonly Block[],
  weights: BlockWeights,
): Generator<Float32Array> {
  let i = 0;
  for (const it of items) {
    if (it.ann_id !== i) throw new Error(`ann ids are not dense: row ${it.id} has ${it.ann_id}, expected ${i}`);
    yield finalVector(it.vector, stats, blocks, weights);
    i++;
  }
}

/** Stats, meta and ann ids in one transaction, then the two index files (each replaced atomically). */
function writeIndexes(catalog: Catalog, log: (line: string) => void, index?: IndexKind): void {
  const t = performance.now();
  const current = catalog.getMeta(META.index);
  const kind = index ?? (isIndexKind(current) ? current : DEFAULT_INDEX);
  const raw = (items: Iterable<VectorItem>) => (function* () {
    for (const it of items) yield it.vector;
  })();
  const readings = catalog.trackReadings();
  const choice = chooseStoredReadings(readings, DEFAULT_WEIGHTS);
  const octave = choice.reduce((a, c) => a + c, 0);
  if (octave > 0) log(`${octave} of ${readings.length} tracks indexed an octave from their measured beat, as their neighbours are read`);
  const trackStats = computeStats(readings.map((r, i) => (choice[i] && r.alt_vector) || r.vector), VECTOR_LENGTH, BLOCKS);
  const segmentStats = computeStats(raw(catalog.segmentVectors()), VECTOR_LENGTH, BLOCKS);
  const n = catalog.db.transaction(() => {
    catalog.setReadings(new Map(readings.map((r, i) => [r.id, choice[i] ? 1 : 0])));
    catalog.setMetas({
      [META.featureVersion]: FEATURE_VERSION,
      [META.dim]: String(VECTOR_LENGTH),
      [META.trackStats]: statsToJson(trackStats),
      [META.segmentStats]: statsToJson(segmentStats),
      [META.weights]: JSON.stringify(DEFAULT_WEIGHTS),
      [META.segmentWeights]: JSON.stringify(SEGMENT_WEIGHTS),
      [META.segmentWindowS]: String(SEGMENT_WINDOW_S),
      [META.segmentHopS]: String(SEGMENT_HOP_S),
      [META.index]: kind,
      // Until built_at is written below, the stored ann ids and the files on disk may disagree.
      [META.indexPending]: new Date().toISOString(),
    });
    return catalog.assignAnnIds();
  })();
  const parts = [
    { part: 'tracks' as const, count: n.tracks, items: () => catalog.trackVectors(), stats: trackStats, weights: DEFAULT_WEIGHTS },
    { part: 'segments' as const, count: n.segments, items: () => catalog.segmentVectors(), stats: segmentStats, weights: SEGMENT_WEIGHTS },
  ];
  for (const p of parts) {
    // No items removes the files: "nothing indexed" rather than a stale index.
    const vectors = finalVectors(p.items(), p.stats, BLOCKS, p.weights);
    const count = writeIndexFiles(catalog.dataDir, p.part, kind, vectors, VECTOR_LENGTH);
    log(`${indexFileName(kind, p.part)}: ${count > 0 ? `${count} items` : 'nothing to index'}`);
  }
  // Last, so a server that follows built_at never pairs new ann ids with old files.
  catalog.db.transaction(() => {
    catalog.setMeta(META.builtAt, new Date().toISOString());
    catalog.deleteMeta(META.indexPending);
  })();
  log(`indexes built in ${formatDuration((performance.now() - t) / 1000)}`);
}

export function formatSummary(s: BuildSummary): string {
  const lines = [
    `Catalogue: ${s.tracks} tracks, ${s.segments} segments (built in ${formatDuration(s.seconds)})`,
    `  added ${s.added}, updated ${s.updated}, unchanged ${s.skipped}, removed ${s.removed}, failed ${s.failed.length}`,
  ];
  if (s.missing > 0) {
    lines.push(`  missing ${s.missing}: files gone from the scanned folders, kept in the catalogue; --prune removes them`);
  }
  if (s.audio_hours > 0) {
    lines.push(`  analysed ${s.audio_hours.toFixed(2)} h of audio, ${s.realtime_factor.toFixed(0)}× realtime`);
  }
  const shown = s.failed.slice(0, 20);
  if (shown.length > 0) lines.push('  failures:');
  for (const f of shown) lines.push(`    ${f.path}: ${f.reason}`);
  if (s.failed.length > shown.length) lines.push(`    … and ${s.failed.length - shown.length} more`);
  return lines.join('\n');
}
