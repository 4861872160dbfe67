import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCatalog } from '../../src/catalog/build.js';
import { encodeMp3, encodeWav, getStyle, renderGroove } from '../../src/synth/index.js';

export interface Fixture {
  dir: string;
  audioDir: string;
  dataDir: string;
  /** style → catalogue track path */
  tracks: Map<string, string>;
  cleanup(): void;
}

export const FIXTURE_STYLES = ['rock', 'funk', 'reggae-one-drop', 'bossa-nova', 'waltz', 'house'];
export const SR = 22050;

/** Render one groove; kit and seed pick the sound and the performance. */
export function groove(style: string, kit: string, seconds = 20, seed = 11) {
  const [lo, hi] = getStyle(style).tempoRange;
  return renderGroove({ style, bpm: Math.round((lo + hi) / 2), kit, seconds, seed, sampleRate: SR });
}

/**
 * A small catalogue built for real: one groove per style on the first kit, written as WAV and
 * indexed with the production build. Queries then play the same grooves on another kit.
 */
export async function buildFixture(kit: string, styles: string[] = FIXTURE_STYLES): Promise<Fixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-fixture-'));
  const audioDir = path.join(dir, 'audio');
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(audioDir);
  const tracks = new Map<string, string>();
  for (const style of styles) {
    const g = groove(style, kit);
    const file = path.join(audioDir, `${style}.wav`);
    fs.writeFileSync(file, encodeWav(g.samples, g.sampleRate));
    tracks.set(style, file);
  }
  await buildCatalog({ dirs: [audioDir], dataDir, workers: 2 });
  return { dir, audioDir, dataDir, tracks, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function wavOf(style: string, kit: string): Uint8Array {
  const g = groove(style, kit);
  return encodeWav(g.samples, g.sampleRate);
}

export function mp3Of(style: string, kit: string): Uint8Array {
  const g = groove(style, kit);
  return encodeMp3(g.samples, g.sampleRate, 128);
}
