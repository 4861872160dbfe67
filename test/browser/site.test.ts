import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeWav, renderGroove } from '../../src/synth/index.js';

const CLI = path.resolve('dist/cli.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let dir: string;
let server: ChildProcess;
let base: string;
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` first');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-browser-'));
  const data = path.join(dir, 'data');
  execFileSync(process.execPath, [CLI, 'demo', '--data', data, '--n', '24', '--workers', '2'], { stdio: 'inherit' });
  server = spawn(process.execPath, [CLI, 'serve', '--data', data, '--port', '0'], {
    env: { ...process.env, UPLOADS_DIR: path.join(dir, 'uploads') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = out.match(/http:\/\/[\d.]+:\d+/);
      if (m) resolve(m[0]);
    });
    server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

it('a person uploads a song, sees best and worst matches with players, and downloads the CSV', async () => {
  const g = renderGroove({ style: 'funk', bpm: 100, kit: 'electronic808', seconds: 20, seed: 3, sampleRate: 22050 });
  const file = path.join(dir, 'my song.wav');
  fs.writeFileSync(file, encodeWav(g.samples, g.sampleRate));

  const page = await browser.newPage();
  await page.goto(base + '/');
  await page.setInputFiles('input[type=file][name=file]', file);
  await Promise.all([page.waitForURL(/\/predict/), page.click('button[type=submit], input[type=submit]')]);

  const best = page.locator('[data-list=best] [data-track-id]');
  const worst = page.locator('[data-list=worst] [data-track-id]');
  expect(await best.count()).toBeGreaterThan(0);
  expect(await worst.count()).toBeGreaterThan(0);
  expect(await page.locator('audio').count()).toBeGreaterThanOrEqual(2);
  await page.screenshot({ path: path.join(os.tmpdir(), 'groovematch-results.png'), fullPage: true });

  const href = await page.locator('a[href$="segments.csv"]').first().getAttribute('href');
  expect(href).toBeTruthy();
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`a[href="${href}"]`)]);
  expect(download.suggestedFilename()).toBe('pied_piper_download.csv');
  const csv = fs.readFileSync((await download.path())!, 'utf8');
  expect(csv.split('\n')[0]).toBe('query_start_s,query_end_s,track_id,title,path,match_start_s,match_end_s,similarity,cluster,offset_s,rank');
  expect(csv.trim().split('\n').length).toBeGreaterThan(1);
});
