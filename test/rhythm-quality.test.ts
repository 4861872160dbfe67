import { describe as suite, expect, it } from 'vitest';
import { CATALOG_KITS, QUERY_KITS } from '../src/eval/corpus.js';
import { score, scoreWeights, type Analysed } from '../src/eval/run.js';
import { chanceLevel, tempoAccuracy } from '../src/eval/metrics.js';
import { mfccMean40 } from '../src/features/baseline.js';
import { describe } from '../src/features/vector.js';
import { MODES } from '../src/recommend/modes.js';
import { planCorpus, renderGroove, styleNames } from '../src/synth/index.js';

const SR = 22050;
const PATTERNS = 57; // three grooves per style
const SECONDS = 12;

/**
 * A small labelled corpus rendered in memory: each groove on a catalogue kit, and the same performance on a
 * kit the catalogue never heard. If the descriptors stopped capturing rhythm, identity across kits and
 * style neighbours would fall to the level of the origin's MFCC mean, which this test also scores.
 */
function corpus(kits: string[], queries: boolean): Analysed {
  const plan = planCorpus(PATTERNS, 11, styleNames(), kits, 1);
  const rows = [];
  const analyses = [];
  for (const c of plan) {
    const g = renderGroove({ style: c.style, bpm: c.bpm, kit: c.kit, seconds: SECONDS, seed: c.seed, sampleRate: SR, patternVariant: c.variant });
    // Queries get the second reading, as uploads do.
    const a = describe(g.samples, SR, { alt: queries });
    a.baseline = mfccMean40(g.samples, SR);
    rows.push({ path: '', ...g.label });
    analyses.push(a);
  }
  return { rows, analyses };
}

suite('rhythm survives a change of drum kit', () => {
  const cat = corpus(CATALOG_KITS, false);
  const qs = corpus(QUERY_KITS, true);

  it('finds the same groove on other drums, and neighbours of the same style, far better than the MFCC mean', () => {
    const ours = scoreWeights('rhythm', cat, qs, MODES.rhythm);
    const chance = chanceLevel(cat.rows.map((r) => r.style));
    expect(qs.rows.every((r, i) => r.pattern_id === cat.rows[i].pattern_id && r.kit !== cat.rows[i].kit)).toBe(true);
    expect(ours.hit1).toBeGreaterThanOrEqual(0.9);
    expect(ours.nn1).toBeGreaterThan(15 * chance);
    // The origin's descriptor, on the same clips, for contrast.
    const origin = score('origin', cat.analyses.map((a) => a.baseline!), qs.analyses.map((a) => a.baseline!), cat.rows, qs.rows);
    expect(origin.hit1).toBeLessThan(0.3);
  });

  it('reads the labelled tempo of most clips within 4 %, and nearly all up to an octave', () => {
    const all = [...cat.analyses, ...qs.analyses];
    const truth = [...cat.rows, ...qs.rows].map((r) => r.bpm);
    const acc = tempoAccuracy(all.map((a) => a.tempo), truth);
    expect(acc.acc1).toBeGreaterThanOrEqual(0.85);
    expect(acc.acc2).toBeGreaterThanOrEqual(0.95);
  });
});
