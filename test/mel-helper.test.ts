import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe as suite, expect, it } from 'vitest';
import { analyseFile } from '../src/features/analyse.js';
import { MelHelper } from '../src/features/mel-helper.js';
import { encodeMp3, renderGroove } from '../src/synth/index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-mel-helper-'));
const helper = new MelHelper();
afterAll(async () => {
  await helper.terminate();
  fs.rmSync(dir, { recursive: true, force: true });
});

suite('mel helper thread', () => {
  it('gives analyseFile the same analysis as one thread does', async () => {
    const g = renderGroove({ style: 'reggaeton', bpm: 94, kit: 'lofi', seconds: 26, seed: 4, sampleRate: 22050 });
    const file = path.join(dir, 'groove.mp3');
    fs.writeFileSync(file, encodeMp3(g.samples, 22050, 128, {}));
    for (const opts of [{ query: true }, { query: true, maxSeconds: 12 }, {}]) {
      const one = await analyseFile(file, opts);
      const two = await analyseFile(file, opts, helper);
      expect(two.tempo).toBe(one.tempo);
      expect(Array.from(two.vector)).toEqual(Array.from(one.vector));
      expect(two.segments.map((s) => Array.from(s.vector))).toEqual(one.segments.map((s) => Array.from(s.vector)));
    }
  });

  it('passes decoding errors through and stays usable', async () => {
    const bad = path.join(dir, 'bad.mp3');
    fs.writeFileSync(bad, Buffer.from('not audio at all, just text'));
    await expect(analyseFile(bad, { query: true }, helper)).rejects.toMatchObject({ code: 'not_audio' });
    expect(helper.usable).toBe(true);
  });
});
