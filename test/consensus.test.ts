import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../src/catalog/build.js';
import { chooseReadings } from '../src/catalog/readings.js';
import { Catalog } from '../src/catalog/store.js';
import { renderGroove } from '../src/synth/index.js';
import { encodeWav } from '../src/synth/wav.js';

const unit = (xs: number[]) => {
  const n = Math.hypot(...xs);
  return Float32Array.from(xs, (x) => x / n);
};
/** A direction near axis `a`, tilted a little towards axis `b`. */
const near = (a: number, b: number, tilt: number, dim = 6) => unit(Array.from({ length: dim }, (_, i) => (i === a ? 1 : i === b ? tilt : 0)));

describe('choosing each track’s octave reading by its neighbours', () => {
  it('moves a track to the reading that agrees with its family, and only when it wins by the margin', () => {
    // Ten tracks of a family near axis 0, read as measured; their other readings point elsewhere (axis 1).
    const measured = Array.from({ length: 10 }, (_, i) => near(0, 2 + (i % 4), 0.1 + 0.02 * i));
    const other: (Float32Array | null)[] = measured.map(() => near(1, 2, 0.3));
    // Track 10: read across the octave's edge (axis 5 as measured), its other reading joins the family.
    measured.push(near(5, 3, 0.2));
    other.push(unit([1, 0, 0, 0, 0, 0]));
    // Track 11: as measured close to the family; its other reading would be barely better.
    measured.push(near(0, 4, 0.2));
    other.push(near(0, 3, 0.18));
    // Track 12: no other reading stored.
    measured.push(near(5, 4, 0.2));
    other.push(null);
    const choice = chooseReadings(measured, other);
    expect(Array.from(choice)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    // Neighbours from every second track only: the family is still there to agree with.
    expect(Array.from(chooseReadings(measured, other, { reference: 7 }))).toEqual(Array.from(choice));
    // With no margin the barely better reading of track 11 wins too (at the default margin it did not, above).
    expect(chooseReadings(measured, other, { margin: 0 })[11]).toBe(1);
  });

  it('leaves a catalogue too small to have neighbourhoods as measured', () => {
    const measured = Array.from({ length: 6 }, (_, i) => near(i % 2, 2, 0.1));
    const other = measured.map((_, i) => near((i + 1) % 2, 2, 0.1));
    expect(Array.from(chooseReadings(measured, other))).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('the build indexes fast jazz as its slower neighbours are read', () => {
  let dir = '';
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads jazz above 160 BPM at full time when the catalogue’s jazz is read there', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-consensus-'));
    const music = path.join(dir, 'music');
    fs.mkdirSync(music);
    const tracks: [string, number][] = [
      ['jazz-swing', 116], ['jazz-swing', 124], ['jazz-swing', 132], ['jazz-swing', 140], ['jazz-swing', 148], ['jazz-swing', 154],
      ['jazz-swing', 168], ['jazz-swing', 182], ['rock', 104], ['funk', 100], ['house', 124], ['samba', 96],
    ];
    tracks.forEach(([style, bpm], i) => {
      const g = renderGroove({ style, bpm, kit: i % 2 ? 'vintage' : 'acoustic', seconds: 12, seed: 3 + i, sampleRate: 22050, patternVariant: 0 });
      fs.writeFileSync(path.join(music, `${style}-${bpm}.wav`), encodeWav(g.samples, 22050));
    });
    const data = path.join(dir, 'data');
    const lines: string[] = [];
    await buildCatalog({ dirs: [music], dataDir: data, workers: 1, log: (l) => lines.push(l) });
    const cat = Catalog.open(data, { readonly: true });
    try {
      const reading = (name: string) => cat.trackByPath(path.join(music, name))!;
      // Read at half time as measured (folded into 80-160), indexed an octave up with the other jazz.
      for (const name of ['jazz-swing-168.wav', 'jazz-swing-182.wav']) {
        const t = reading(name);
        expect(t.alt_factor).toBe(2);
        expect(t.reading).toBe(1);
      }
      // The rest keep their measured reading, a lone rock groove too though its double time resembles the jazz.
      for (const [style, bpm] of tracks.filter(([, bpm]) => bpm < 160)) expect(reading(`${style}-${bpm}.wav`).reading).toBe(0);
      expect(lines.some((l) => /2 of 12 tracks indexed an octave/.test(l))).toBe(true);
    } finally {
      cat.close();
    }
  }, 120_000);
});
