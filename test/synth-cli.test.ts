import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLabels } from '../src/eval/labels.js';

const CLI = path.resolve('dist/cli.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-synth-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('groovematch synth', () => {
  it('writes the requested clips and a labels.csv that describes them', () => {
    const out = path.join(dir, 'a');
    execFileSync('node', [CLI, 'synth', '--out', out, '--n', '4', '--seconds', '3', '--seed', '5', '--format', 'wav', '--kits', 'lofi,bright', '--styles', 'waltz,six-eight'], { stdio: 'pipe' });
    const rows = readLabels(path.join(out, 'labels.csv'));
    expect(rows).toHaveLength(4);
    expect(new Set(rows.map((r) => r.style))).toEqual(new Set(['waltz', 'six-eight']));
    for (const r of rows) {
      expect(['lofi', 'bright']).toContain(r.kit);
      expect(r.meter).toBe(r.style === 'waltz' ? '3/4' : '6/8');
      expect(fs.statSync(r.path).size).toBeGreaterThan(3 * 22050 * 2);
    }
  });

  it('the same seed gives the same corpus', () => {
    const a = path.join(dir, 's1');
    const b = path.join(dir, 's2');
    for (const out of [a, b]) execFileSync('node', [CLI, 'synth', '--out', out, '--n', '2', '--seconds', '2', '--seed', '9', '--format', 'wav'], { stdio: 'pipe' });
    const la = readLabels(path.join(a, 'labels.csv'));
    const lb = readLabels(path.join(b, 'labels.csv'));
    expect(lb.map((r) => r.pattern_id)).toEqual(la.map((r) => r.pattern_id));
    expect(fs.readFileSync(lb[1].path).equals(fs.readFileSync(la[1].path))).toBe(true);
  });

  it('refuses bad options with a message and exit code 1, and never overwrites a corpus', () => {
    const out = path.join(dir, 'a');
    const before = fs.readFileSync(path.join(out, 'labels.csv'), 'utf8');
    for (const args of [['--out', out], ['--out', path.join(dir, 'x'), '--kits', 'nope'], ['--out', path.join(dir, 'y'), '--format', 'ogg'], []]) {
      const r = spawnSync('node', [CLI, 'synth', ...args], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^groovematch: .*(already holds|unknown|--format|--out)/m);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(fs.readFileSync(path.join(out, 'labels.csv'), 'utf8')).toBe(before);
  });
});
