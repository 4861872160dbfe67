import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLabels } from '../src/eval/labels.js';
import { servedDataDir, servedScores } from '../src/eval/served.js';
import { encodeWav, renderGroove } from '../src/synth/index.js';

const SR = 22050;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-served-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A labelled folder: each groove on one kit, as `groovematch synth` writes it. */
function folder(name: string, kit: string, grooves: [string, number][]): string {
  const d = path.join(dir, name);
  fs.mkdirSync(d);
  const lines = ['path,style,bpm,meter,kit,pattern_id'];
  grooves.forEach(([style, bpm], i) => {
    const g = renderGroove({ style, bpm, kit, seconds: 12, seed: 40 + i, sampleRate: SR });
    const file = `${i}-${style}.wav`;
    fs.writeFileSync(path.join(d, file), encodeWav(g.samples, SR));
    lines.push(`${file},${style},${bpm},${g.label.meter},${kit},${style}-${i}`);
  });
  fs.writeFileSync(path.join(d, 'labels.csv'), lines.join('\n') + '\n');
  return d;
}

describe('eval ranks queries as serve does', () => {
  it('builds the catalogue, ranks each query as an upload and scores the best lists', async () => {
    const grooves: [string, number][] = [['rock', 120], ['samba', 100], ['waltz', 150], ['funk', 96], ['reggaeton', 92], ['bossa-nova', 130]];
    const catalog = folder('catalog', 'acoustic', grooves);
    const queries = folder('queries', 'electronic808', grooves);
    // An unlabelled track in the catalogue folder is indexed but never scored.
    fs.writeFileSync(path.join(catalog, 'extra.wav'), encodeWav(renderGroove({ style: 'house', bpm: 124, kit: 'vintage', seconds: 12, seed: 1, sampleRate: SR }).samples, SR));
    const data = servedDataDir(dir, catalog);
    const s = await servedScores('served', catalog, readLabels(path.join(catalog, 'labels.csv')), readLabels(path.join(queries, 'labels.csv')), data, 2);
    expect(fs.existsSync(path.join(data, 'tracks.ann'))).toBe(true);
    expect(s.name).toBe('served');
    // Six styles, one groove each: the twin is the only same-style track, so 1-NN and hit@1 agree.
    expect(s.hit1).toBeGreaterThanOrEqual(5 / 6);
    expect(s.nn1).toBe(s.hit1);
    // Every best list (SERVED_K = 10) holds the whole seven-track catalogue, so every twin is in it.
    expect(s.hit10).toBe(1);
    expect(s.mrr).toBeGreaterThanOrEqual(s.hit1);
  }, 120_000);
});
