import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Analysis } from '../features/types.js';
import type { Print } from '../features/print.js';
import type { CatalogInfo } from '../recommend/types.js';
import { blobToPrint, blobToVector, printToBlob, vectorToBlob } from './blob.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

export { blobToVector, vectorToBlob } from './blob.js';
export { SCHEMA_VERSION } from './schema.js';

export const CATALOG_FILE = 'catalog.sqlite';
export const TRACKS_INDEX_FILE = 'tracks.ann';
export const SEGMENTS_INDEX_FILE = 'segments.ann';

/** Keys of the meta table, so writers and readers agree. */
export const META = {
  featureVersion: 'feature_version',
  builtAt: 'built_at',
  index: 'index',
  dim: 'vector_length',
  trackStats: 'track_stats',
  segmentStats: 'segment_stats',
  weights: 'weights',
  segmentWeights: 'segment_weights',
  segmentWindowS: 'segment_window_s',
  segmentHopS: 'segment_hop_s',
  /** Set while a build replaces the index files; servers do not switch to a catalogue in that state. */
  indexPending: 'index_pending',
} as const;

export interface FileInfo {
  /** Absolute. */
  path: string;
  size: number;
  mtime_ms: number;
  /** sha256 hex of the file's bytes. */
  hash: string;
}

export interface TrackTags {
  title: string | null;
  artist: string | null;
  album: string | null;
  tags: string[];
}

export interface TrackRow extends FileInfo, TrackTags {
  id: number;
  duration_s: number;
  tempo: number;
  tempo_confidence: number;
  /** Raw (unstandardised) descriptor: the reading the build chose (as measured, or alt_vector when reading = 1). */
  vector: Float32Array;
  /** 0: the track as measured is indexed; 1: its other-octave reading (src/catalog/readings.ts). */
  reading: 0 | 1;
  /** Tempo factor of the other-octave reading (2 or 0.5); null for a track stored without one. */
  alt_factor: number | null;
  /** Item id in tracks.ann; null until the next index build. */
  ann_id: number | null;
  feature_version: string;
  added_at: string;
}

export interface SegmentRow {
  id: number;
  track_id: number;
  start_s: number;
  end_s: number;
  tempo: number;
  vector: Float32Array;
  ann_id: number | null;
  /** Of the segment's track. */
  title: string | null;
  path: string;
}

export interface VectorItem {
  id: number;
  ann_id: number | null;
  vector: Float32Array;
}

/** Both stored readings of a track as analysed: the build chooses between them, a byte-identical file reuses them. */
export interface ReadingItem {
  id: number;
  vector: Float32Array;
  alt_vector: Float32Array | null;
  alt_factor: number | null;
}

type RawReadings = { id: number; vector: Uint8Array; alt_vector: Uint8Array | null; alt_factor: number | null };

function toReadings(r: RawReadings): ReadingItem {
  return { id: r.id, vector: blobToVector(r.vector), alt_vector: r.alt_vector ? blobToVector(r.alt_vector) : null, alt_factor: r.alt_factor };
}

const READING_COLS = 'id, vector, alt_vector, alt_factor';

export interface Failure {
  path: string;
  reason: string;
  at: string;
}

type Raw = Record<string, unknown> & { vector: Uint8Array };

function toTrack(r: Raw | undefined): TrackRow | undefined {
  if (!r) return undefined;
  return { ...(r as unknown as TrackRow), tags: JSON.parse(r.tags as string) as string[], vector: blobToVector(r.vector) };
}

function toSegment(r: Raw | undefined): SegmentRow | undefined {
  if (!r) return undefined;
  return { ...(r as unknown as SegmentRow), vector: blobToVector(r.vector) };
}

/** The indexed reading of a track, as its vector. */
const CHOSEN = 'CASE WHEN reading = 1 AND alt_vector IS NOT NULL THEN alt_vector ELSE vector END';

const TRACK_COLS = `id, path, size, mtime_ms, hash, duration_s, tempo, tempo_confidence, title, artist, album, tags,
  ${CHOSEN} AS vector, reading, alt_factor, ann_id, feature_version, added_at`;

/** The catalogue: catalog.sqlite in the data dir. One writer (the build); any number of readers (WAL). */
export class Catalog {
  readonly db: Database.Database;
  readonly dataDir: string;

  private constructor(db: Database.Database, dataDir: string) {
    this.db = db;
    this.dataDir = dataDir;
  }

  /**
   * `olderSchema` (read-only only) opens a catalogue of an older schema without migrating it, for callers that
   * read nothing newer than the first schema's columns (is it a demo catalogue to rebuild?).
   */
  static open(dataDir: string, opts: { readonly?: boolean; olderSchema?: boolean } = {}): Catalog {
    const dir = path.resolve(dataDir);
    const file = path.join(dir, CATALOG_FILE);
    if (opts.readonly && !fs.existsSync(file)) {
      throw new Error(`No catalogue at ${file}: run \`groovematch index <dir>\` first`);
    }
    if (!opts.readonly) fs.mkdirSync(dir, { recursive: true });
    const db = new Database(file, { readonly: !!opts.readonly, timeout: 5000 });
    try {
      if (!opts.readonly) db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      migrate(db, file, !!opts.readonly, !!(opts.readonly && opts.olderSchema));
    } catch (err) {
      db.close();
      throw err;
    }
    return new Catalog(db, dir);
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** Lookups run once per candidate of every query window: compile each statement once, not per call. */
  private cached(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Insert or replace the track at file.path and all its segments, in one transaction. Returns its id. */
  putTrack(file: FileInfo, tags: TrackTags, analysis: Analysis): number {
    if (!path.isAbsolute(file.path)) throw new Error(`track path must be absolute: ${file.path}`);
    const dim = analysis.vector.length;
    for (const s of analysis.segments) {
      if (s.vector.length !== dim) throw new Error(`segment vector length ${s.vector.length} != track's ${dim}`);
    }
    return this.db.transaction(() => {
      // Upsert keeps the id (it is in audio URLs) and added_at; ann_id is cleared because the vector
      // is no longer what the index holds.
      const row = this.db
        .prepare(
          `INSERT INTO tracks (path, size, mtime_ms, hash, duration_s, tempo, tempo_confidence, title, artist, album,
             tags, vector, alt_vector, alt_factor, print, reading, ann_id, feature_version, added_at)
           VALUES (@path, @size, @mtime_ms, @hash, @duration_s, @tempo, @tempo_confidence, @title, @artist, @album,
             @tags, @vector, @alt_vector, @alt_factor, @print, 0, NULL, @feature_version, @added_at)
           ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, hash = excluded.hash,
             duration_s = excluded.duration_s, tempo = excluded.tempo, tempo_confidence = excluded.tempo_confidence,
             title = excluded.title, artist = excluded.artist, album = excluded.album, tags = excluded.tags,
             vector = excluded.vector, alt_vector = excluded.alt_vector, alt_factor = excluded.alt_factor, print = excluded.print, reading = 0,
             ann_id = NULL, feature_version = excluded.feature_version
           RETURNING id`,
        )
        .get({
          path: file.path,
          size: file.size,
          mtime_ms: file.mtime_ms,
          hash: file.hash,
          duration_s: analysis.duration_s,
          tempo: analysis.tempo,
          tempo_confidence: analysis.tempo_confidence,
          title: tags.title,
          artist: tags.artist,
          album: tags.album,
          tags: JSON.stringify(tags.tags),
          vector: vectorToBlob(analysis.vector),
          alt_vector: analysis.alt_vector ? vectorToBlob(analysis.alt_vector) : null,
          alt_factor: analysis.alt_vector ? (analysis.alt_factor ?? null) : null,
          print: analysis.print ? printToBlob(analysis.print) : null,
          feature_version: analysis.feature_version,
          added_at: new Date().toISOString(),
        }) as { id: number };
      this.db.prepare('DELETE FROM segments WHERE track_id = ?').run(row.id);
      const ins = this.db.prepare(
        'INSERT INTO segments (track_id, start_s, end_s, tempo, vector) VALUES (?, ?, ?, ?, ?)',
      );
      for (const s of analysis.segments) ins.run(row.id, s.start_s, s.end_s, s.tempo, vectorToBlob(s.vector));
      this.db.prepare('DELETE FROM failures WHERE path = ?').run(file.path);
      return row.id;
    })();
  }

  /** Same content, new stat (e.g. touched): no re-analysis needed. */
  touchTrack(id: number, size: number, mtime_ms: number): void {
    this.db.prepare('UPDATE tracks SET size = ?, mtime_ms = ? WHERE id = ?').run(size, mtime_ms, id);
  }

  /** Removes the track and (cascade) its segments. */
  removeTrack(id: number): boolean {
    return this.db.prepare('DELETE FROM tracks WHERE id = ?').run(id).changes > 0;
  }

  /** Drops tracks analysed with another feature version; one catalogue holds one. */
  removeOtherVersions(version: string): number {
    return this.db.prepare('DELETE FROM tracks WHERE feature_version <> ?').run(version).changes;
  }

  trackById(id: number): TrackRow | undefined {
    return toTrack(this.cached(`SELECT ${TRACK_COLS} FROM tracks WHERE id = ?`).get(id) as Raw | undefined);
  }

  trackByPath(p: string): TrackRow | undefined {
    return toTrack(this.cached(`SELECT ${TRACK_COLS} FROM tracks WHERE path = ?`).get(p) as Raw | undefined);
  }

  /** Lowest id among tracks with these bytes (copies may exist under several paths). */
  trackByHash(hash: string): TrackRow | undefined {
    return toTrack(
      this.cached(`SELECT ${TRACK_COLS} FROM tracks WHERE hash = ? ORDER BY id LIMIT 1`).get(hash) as
        | Raw
        | undefined,
    );
  }

  trackByAnnId(annId: number): TrackRow | undefined {
    return toTrack(this.cached(`SELECT ${TRACK_COLS} FROM tracks WHERE ann_id = ?`).get(annId) as Raw | undefined);
  }

  segmentByAnnId(annId: number): SegmentRow | undefined {
    return toSegment(
      this.cached(
        `SELECT s.id, s.track_id, s.start_s, s.end_s, s.tempo, s.vector, s.ann_id, t.title, t.path
         FROM segments s JOIN tracks t ON t.id = s.track_id WHERE s.ann_id = ?`,
      ).get(annId) as Raw | undefined,
    );
  }

  /**
   * Segments by index number, without their vectors (3.5 KB BLOBs, most of a lookup's time), keyed by number
   * (missing ones left out), in one statement: an upload's windows ask for hundreds of candidates at once.
   */
  segmentInfosByAnnIds(annIds: readonly number[]): Map<number, Omit<SegmentRow, 'vector'>> {
    const out = new Map<number, Omit<SegmentRow, 'vector'>>();
    const unique = [...new Set(annIds)];
    // Chunks of a fixed size keep the statement cache small (SQLite allows 32,766 parameters).
    for (let at = 0; at < unique.length; at += 500) {
      const part = unique.slice(at, at + 500);
      const rows = this.cached(
        `SELECT s.id, s.track_id, s.start_s, s.end_s, s.tempo, s.ann_id, t.title, t.path
         FROM segments s JOIN tracks t ON t.id = s.track_id WHERE s.ann_id IN (${part.map(() => '?').join(',')})`,
      ).all(...part) as Omit<SegmentRow, 'vector'>[];
      for (const r of rows) out.set(r.ann_id as number, r);
    }
    return out;
  }

  /** The raw vector of the segment with this id. */
  segmentVector(id: number): Float32Array | undefined {
    const r = this.cached('SELECT vector FROM segments WHERE id = ?').get(id) as { vector: Uint8Array } | undefined;
    return r ? blobToVector(r.vector) : undefined;
  }

  segmentsOfTrack(trackId: number): SegmentRow[] {
    const rows = this.db
      .prepare(
        `SELECT s.id, s.track_id, s.start_s, s.end_s, s.tempo, s.vector, s.ann_id, t.title, t.path
         FROM segments s JOIN tracks t ON t.id = s.track_id WHERE s.track_id = ? ORDER BY s.start_s, s.id`,
      )
      .all(trackId) as Raw[];
    return rows.map((r) => toSegment(r)!);
  }

  /** Stat and identity of every track, for the build's change detection. */
  trackFiles(): (FileInfo & { id: number; feature_version: string })[] {
    return this.db
      .prepare('SELECT id, path, size, mtime_ms, hash, feature_version FROM tracks ORDER BY id')
      .all() as (FileInfo & { id: number; feature_version: string })[];
  }

  /** Raw track vectors (the chosen readings) by id: the order assignAnnIds numbers them in. Streams; do not write while iterating. */
  *trackVectors(): Generator<VectorItem> {
    for (const r of this.db.prepare(`SELECT id, ann_id, ${CHOSEN} AS vector FROM tracks ORDER BY id`).iterate() as Iterable<Raw>) {
      yield { id: r.id as number, ann_id: r.ann_id as number | null, vector: blobToVector(r.vector) };
    }
  }

  /** Both readings of every track, by id. */
  trackReadings(): ReadingItem[] {
    return (this.db.prepare(`SELECT ${READING_COLS} FROM tracks ORDER BY id`).all() as RawReadings[]).map(toReadings);
  }

  /** A track's print (src/features/print.ts); null for a track stored without one. */
  trackPrint(id: number): Print | null {
    const r = this.cached('SELECT print FROM tracks WHERE id = ?').get(id) as { print: Uint8Array | null } | undefined;
    return r?.print ? blobToPrint(r.print) : null;
  }

  /** Both readings of one track, as analysed. */
  measuredReadings(id: number): ReadingItem | undefined {
    const r = this.db.prepare(`SELECT ${READING_COLS} FROM tracks WHERE id = ?`).get(id) as RawReadings | undefined;
    return r && toReadings(r);
  }

  /** Which reading each track (by id) is indexed with, in one transaction; ann ids are cleared by the caller's rebuild. */
  setReadings(choices: ReadonlyMap<number, 0 | 1>): void {
    const st = this.db.prepare('UPDATE tracks SET reading = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const [id, r] of choices) st.run(r, id);
    })();
  }

  /** Raw segment vectors by id: the order assignAnnIds numbers them in. */
  *segmentVectors(): Generator<VectorItem> {
    for (const r of this.db.prepare('SELECT id, ann_id, vector FROM segments ORDER BY id').iterate() as Iterable<Raw>) {
      yield { id: r.id as number, ann_id: r.ann_id as number | null, vector: blobToVector(r.vector) };
    }
  }

  /** Number tracks and segments 0..n-1 by id, in one transaction. */
  assignAnnIds(): { tracks: number; segments: number } {
    return this.db.transaction(() => {
      const out = { tracks: 0, segments: 0 };
      for (const table of ['tracks', 'segments'] as const) {
        // Clear first so the unique index never sees two rows with the same number mid-update.
        this.db.prepare(`UPDATE ${table} SET ann_id = NULL`).run();
        this.db
          .prepare(
            `UPDATE ${table} SET ann_id = r.n FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM ${table}) r
             WHERE ${table}.id = r.id`,
          )
          .run();
        out[table] = (this.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      }
      return out;
    })();
  }

  getMeta(key: string): string | null {
    const r = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return r ? r.value : null;
  }

  deleteMeta(key: string): void {
    this.db.prepare('DELETE FROM meta WHERE key = ?').run(key);
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(key, value);
  }

  /** Several meta values at once, all or none. */
  setMetas(values: Record<string, string>): void {
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(values)) this.setMeta(k, v);
    })();
  }

  counts(): { tracks: number; segments: number; failures: number; audio_s: number } {
    return this.db
      .prepare(
        `SELECT (SELECT COUNT(*) FROM tracks) AS tracks, (SELECT COUNT(*) FROM segments) AS segments,
           (SELECT COUNT(*) FROM failures) AS failures, (SELECT COALESCE(SUM(duration_s), 0) FROM tracks) AS audio_s`,
      )
      .get() as { tracks: number; segments: number; failures: number; audio_s: number };
  }

  info(): CatalogInfo {
    const c = this.counts();
    return {
      tracks: c.tracks,
      segments: c.segments,
      feature_version: this.getMeta(META.featureVersion),
      index: this.getMeta(META.index),
      built_at: this.getMeta(META.builtAt),
    };
  }

  recordFailure(p: string, reason: string): void {
    this.db
      .prepare(
        `INSERT INTO failures (path, reason, at) VALUES (?, ?, ?)
         ON CONFLICT(path) DO UPDATE SET reason = excluded.reason, at = excluded.at`,
      )
      .run(p, reason, new Date().toISOString());
  }

  clearFailure(p: string): void {
    this.db.prepare('DELETE FROM failures WHERE path = ?').run(p);
  }

  failures(): Failure[] {
    return this.db.prepare('SELECT path, reason, at FROM failures ORDER BY path').all() as Failure[];
  }
}

function migrate(db: Database.Database, file: string, readonly: boolean, olderSchema = false): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`${file} has schema version ${version}; this groovematch understands up to ${SCHEMA_VERSION}`);
  }
  if (version === SCHEMA_VERSION || (olderSchema && version >= 1)) return;
  if (readonly) {
    throw new Error(`${file} has schema version ${version}, expected ${SCHEMA_VERSION}: run \`groovematch index <dir>\``);
  }
  db.transaction(() => {
    for (let v = version; v < SCHEMA_VERSION; v++) MIGRATIONS[v](db);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}
