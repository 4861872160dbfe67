import type Database from 'better-sqlite3';

/**
 * MIGRATIONS[v] takes a catalogue from PRAGMA user_version v to v + 1. Append, never edit: a released
 * step has already run on someone's catalogue.
 */
export const MIGRATIONS: ((db: Database.Database) => void)[] = [
  (db) => {
    db.exec(`
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      CREATE TABLE tracks (
        id INTEGER PRIMARY KEY,
        path TEXT UNIQUE NOT NULL,
        size INTEGER NOT NULL,
        mtime_ms REAL NOT NULL,
        hash TEXT NOT NULL,
        duration_s REAL NOT NULL,
        tempo REAL NOT NULL,
        tempo_confidence REAL NOT NULL,
        title TEXT,
        artist TEXT,
        album TEXT,
        tags TEXT NOT NULL DEFAULT '[]',
        vector BLOB NOT NULL,
        ann_id INTEGER,
        feature_version TEXT NOT NULL,
        added_at TEXT NOT NULL
      );
      CREATE INDEX tracks_hash ON tracks (hash);
      CREATE UNIQUE INDEX tracks_ann_id ON tracks (ann_id);
      CREATE TABLE segments (
        id INTEGER PRIMARY KEY,
        track_id INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
        start_s REAL NOT NULL,
        end_s REAL NOT NULL,
        tempo REAL NOT NULL,
        vector BLOB NOT NULL,
        ann_id INTEGER
      );
      CREATE INDEX segments_track_id ON segments (track_id);
      CREATE UNIQUE INDEX segments_ann_id ON segments (ann_id);
      CREATE TABLE failures (
        path TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        at TEXT NOT NULL
      );
    `);
  },
  // gm9: a track's other-octave reading, and which of its two readings the build chose to index.
  (db) => {
    db.exec(`
      ALTER TABLE tracks ADD COLUMN alt_vector BLOB;
      ALTER TABLE tracks ADD COLUMN alt_factor REAL;
      ALTER TABLE tracks ADD COLUMN reading INTEGER NOT NULL DEFAULT 0;
    `);
  },
  // gm10: a track's print (src/features/print.ts), which tells whether an upload is this recording at some offset.
  (db) => {
    db.exec('ALTER TABLE tracks ADD COLUMN print BLOB;');
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;
