import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/synth/index.js';
import { clickTrack } from './harness.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const TRACKS = 60;
const ENV = { ...process.env, LOG_LEVEL: 'silent' };

let dir: string;
let music: string;

function count(dataDir: string, sql: string): number {
  const file = path.join(dataDir, 'catalog.sqlite');
  if (!fs.existsSync(file)) return 0;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare(sql).pluck().get() as number | undefined) ?? 0;
    } finally {
      db.close();
    }
  } catch {
    return 0; // created but not migrated yet
  }
}

const tracks = (d: string) => count(d, 'SELECT COUNT(*) FROM tracks');

function index(dataDir: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'index', music, '--data', dataDir, '--workers', '1'], { env: ENV, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Start `index` and SIGKILL it once `ready` holds (polled), or after `afterMs`. Resolves when it is dead. */
function killDuring(dataDir: string, opts: { ready?: () => boolean; afterMs?: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'index', music, '--data', dataDir, '--workers', '1'], { env: ENV, stdio: 'ignore' });
    const started = Date.now();
    const timer = setInterval(() => {
      if ((opts.ready && opts.ready()) || (opts.afterMs !== undefined && Date.now() - started >= opts.afterMs)) {
        clearInterval(timer);
        child.kill('SIGKILL');
      }
    }, 10);
    child.on('exit', () => {
      clearInterval(timer);
      resolve();
    });
    child.on('error', reject);
  });
}

function summary(stdout: string): Record<string, number> {
  const m = /added (\d+), updated (\d+), unchanged (\d+), removed (\d+), failed (\d+)/.exec(stdout);
  if (!m) throw new Error(`no summary in: ${stdout}`);
  const [added, updated, unchanged, removed, failed] = m.slice(1).map(Number);
  return { added, updated, unchanged, removed, failed };
}

function expectComplete(dataDir: string): void {
  expect(tracks(dataDir)).toBe(TRACKS);
  expect(count(dataDir, 'SELECT COUNT(DISTINCT path) FROM tracks')).toBe(TRACKS);
  expect(count(dataDir, 'SELECT COUNT(DISTINCT hash) FROM tracks')).toBe(TRACKS);
  expect(count(dataDir, 'SELECT COUNT(*) FROM tracks WHERE ann_id IS NULL')).toBe(0);
  expect(count(dataDir, 'SELECT MAX(ann_id) FROM tracks')).toBe(TRACKS - 1);
  expect(count(dataDir, "SELECT COUNT(*) FROM meta WHERE key = 'index_pending'")).toBe(0);
  expect(count(dataDir, 'SELECT COUNT(*) FROM segments WHERE ann_id IS NULL')).toBe(0);
}

function query(dataDir: string, file: string, ...args: string[]) {
  return spawnSync(process.execPath, [CLI, 'query', file, '--data', dataDir, '--json', ...args], { env: ENV, encoding: 'utf8' });
}

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` first');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-resume-'));
  music = path.join(dir, 'music');
  fs.mkdirSync(music);
  for (let i = 0; i < TRACKS; i++) {
    fs.writeFileSync(path.join(music, `t${String(i).padStart(2, '0')}.wav`), clickTrack(70 + i * 1.7, i + 1));
  }
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('index survives kill -9', () => {
  it('resumes after a kill mid-analysis: no duplicate, no lost track, index loads, query works', async () => {
    const data = path.join(dir, 'data-a');
    await killDuring(data, { ready: () => tracks(data) >= 10 });
    const stored = tracks(data);
    console.log(`kill -9 after ${stored} of ${TRACKS} tracks were stored`);
    expect(stored).toBeGreaterThanOrEqual(10);
    expect(stored).toBeLessThan(TRACKS);
    expect(count(data, 'SELECT COUNT(*) FROM tracks WHERE ann_id IS NULL')).toBe(stored); // no index yet

    const again = index(data);
    expect(again.status, again.stderr).toBe(0);
    const s = summary(again.stdout);
    console.log(`re-run: ${again.stdout.split('\n')[1]?.trim()}`);
    expect(s).toEqual({ added: TRACKS - stored, updated: 0, unchanged: stored, removed: 0, failed: 0 });
    expectComplete(data);

    const q = query(data, path.join(music, 't05.wav'));
    expect(q.status, q.stderr).toBe(0);
    const line = JSON.parse(q.stdout.trim().split('\n')[0]) as { best: { path: string }[]; excluded_track: { path: string } };
    expect(line.excluded_track.path).toBe(path.join(music, 't05.wav'));
    expect(line.best.length).toBeGreaterThan(0);
    const off = query(data, path.join(music, 't05.wav'), '--same-tempo', 'off');
    expect(off.status, off.stderr).toBe(0);
    expect(JSON.parse(off.stdout.trim()).ranking.same_tempo_first).toBe(false);
    const bad = query(data, path.join(music, 't05.wav'), '--same-tempo', 'maybe');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--same-tempo must be first or off/);
    expect(bad.stderr).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });

  it('kills at random moments, then a full run: always consistent', async () => {
    const data = path.join(dir, 'data-b');
    const rnd = mulberry32(99);
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      await killDuring(data, { afterMs: 150 + Math.floor(rnd() * 1500) });
      seen.push(tracks(data));
      // Whatever the moment, the store is whole: one row per path, segments only of stored tracks.
      expect(count(data, 'SELECT COUNT(*) - COUNT(DISTINCT path) FROM tracks')).toBe(0);
      expect(count(data, 'SELECT COUNT(*) FROM segments WHERE track_id NOT IN (SELECT id FROM tracks)')).toBe(0);
    }
    console.log(`random kills left ${seen.join(', ')} tracks`);
    const done = index(data);
    expect(done.status, done.stderr).toBe(0);
    expectComplete(data);
    // The next run has nothing to do.
    expect(summary(index(data).stdout)).toMatchObject({ added: 0, updated: 0, unchanged: TRACKS });
  });

  it('a truncated or foreign index file is a clear error from query and serve (exit 1, no stack)', () => {
    const data = path.join(dir, 'data-c');
    expect(index(data).status).toBe(0);
    const ann = path.join(data, 'tracks.ann');
    const whole = fs.readFileSync(ann);
    const probe = path.join(music, 't01.wav');
    for (const [what, bytes] of [
      ['truncated', whole.subarray(0, whole.length - 100)],
      ['foreign', Buffer.from('\x89PNG\r\n\x1a\n'.padEnd(4096, '\0'), 'latin1')],
      ['empty', Buffer.alloc(0)],
    ] as const) {
      fs.writeFileSync(ann, bytes);
      const q = query(data, probe);
      expect(q.status, `${what}: ${q.stderr}`).toBe(1);
      expect(q.stderr).toMatch(/^groovematch: Index .*tracks\.ann .*(truncated|does not look like|empty).*groovematch index/m);
      expect(q.stderr).not.toMatch(/^\s+at /m);
      const serve = spawnSync(process.execPath, [CLI, 'serve', '--data', data, '--port', '0'], { env: ENV, encoding: 'utf8', timeout: 20_000 });
      expect(serve.status, `${what}: ${serve.stderr}`).toBe(1);
      expect(serve.stderr).toMatch(/tracks\.ann/);
      expect(serve.stderr).not.toMatch(/^\s+at /m);
      console.log(`${what} index -> ${q.stderr.trim()}`);
    }
    fs.writeFileSync(ann, whole);
    expect(query(data, probe).status).toBe(0);
  });
});
