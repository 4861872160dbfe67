import { autocorrelation, highPass } from './onset.js';

/** Tempo code: Gaussian bumps on a log2-BPM axis from TEMPO_MIN to TEMPO_MAX, 1/16 octave apart. */
export const TEMPO_MIN = 40;
export const TEMPO_MAX = 240;
const TEMPO_STEP = 1 / 16;
export const TEMPO_BINS = Math.round(Math.log2(TEMPO_MAX / TEMPO_MIN) / TEMPO_STEP) + 1;

/**
 * Tempo as a smooth position on a log axis, so 118 and 122 BPM are close and 60 and 120 are not
 * the same. Half and double tempo get a smaller bump: a groove at 85 BPM felt in half time at 170
 * is related, not identical.
 */
export function tempoCode(bpm: number): Float32Array {
  const out = new Float32Array(TEMPO_BINS);
  const add = (b: number, gain: number) => {
    const pos = Math.log2(b / TEMPO_MIN) / TEMPO_STEP;
    for (let i = 0; i < TEMPO_BINS; i++) {
      const d = (i - pos) / 0.75;
      out[i] += gain * Math.exp(-0.5 * d * d);
    }
  };
  add(bpm, 1);
  add(bpm * 2, 0.3);
  add(bpm / 2, 0.3);
  return out;
}

/** Lags of the beat-normalised autocorrelation, in beats: 1/4 … 4 on a log grid, 6 per octave. */
export const PATTERN_LAGS_BEATS: readonly number[] = Array.from({ length: 25 }, (_, i) => 2 ** (-2 + i / 6));

function smooth3(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const a = x[i - 1] ?? x[i];
    const c = x[i + 1] ?? x[i];
    out[i] = 0.25 * a + 0.5 * x[i] + 0.25 * c;
  }
  return out;
}

function interp(r: Float32Array, x: number): number {
  const i = Math.floor(x);
  if (i < 0 || i + 1 >= r.length) return 0;
  const f = x - i;
  return r[i] * (1 - f) + r[i + 1] * f;
}

/**
 * Autocorrelation of each band's onset envelope read at lags measured in beats (Gruhne et al. style
 * log-lag ACF, normalised by the estimated beat period): a groove played faster gives the same numbers.
 */
export function beatAutocorrelation(bands: Float32Array[], period: number, fps: number): Float32Array {
  const out = new Float32Array(bands.length * PATTERN_LAGS_BEATS.length);
  const maxLag = Math.ceil(period * PATTERN_LAGS_BEATS[PATTERN_LAGS_BEATS.length - 1]) + 2;
  bands.forEach((env, b) => {
    const r = autocorrelation(smooth3(highPass(env, Math.round(fps))), maxLag);
    PATTERN_LAGS_BEATS.forEach((m, j) => {
      out[b * PATTERN_LAGS_BEATS.length + j] = interp(r, m * period);
    });
  });
  return out;
}

export const BAR_STEPS = 16;
const FINE = 4;

/**
 * Each band's envelope folded over a 4-beat cycle into BAR_STEPS steps (Pohle-style onset pattern):
 * where in the bar kick, snare and hats fall. The cycle's phase is unknown, so it is rotated to put the
 * kick band's strongest step first; each band is scaled to unit sum so the shape, not loudness, counts.
 */
export function barPattern(bands: Float32Array[], period: number): Float32Array {
  const nb = bands.length;
  const cycle = 4 * period;
  const fineSteps = BAR_STEPS * FINE;
  const fold = bands.map(() => new Float64Array(fineSteps));
  const count = new Float64Array(fineSteps);
  const n = bands[0]?.length ?? 0;
  for (let t = 0; t < n; t++) {
    const phase = (t / cycle) % 1;
    const s = Math.floor(phase * fineSteps) % fineSteps;
    count[s]++;
    for (let b = 0; b < nb; b++) fold[b][s] += bands[b][t];
  }
  for (const f of fold) for (let s = 0; s < fineSteps; s++) f[s] = count[s] ? f[s] / count[s] : 0;
  // Coarse steps centred on the fine ones, so a hit just before a step boundary is not split.
  const coarse = (f: Float64Array, shift: number) => {
    const out = new Float64Array(BAR_STEPS);
    for (let s = 0; s < fineSteps; s++) {
      const c = Math.floor((((s - shift + FINE / 2) % fineSteps) + fineSteps) % fineSteps / FINE);
      out[c] += f[s];
    }
    return out;
  };
  let shift = 0;
  let bestV = -Infinity;
  const ref = fold[0];
  for (let s = 0; s < fineSteps; s++) {
    // Sum over a step's width so the reference is the strongest step, not the strongest fine bin.
    let v = 0;
    for (let d = -FINE / 2; d < FINE / 2; d++) v += ref[(s + d + fineSteps) % fineSteps];
    if (v > bestV) {
      bestV = v;
      shift = s;
    }
  }
  const out = new Float32Array(nb * BAR_STEPS);
  fold.forEach((f, b) => {
    const c = coarse(f, shift);
    let sum = 0;
    for (const v of c) sum += v;
    for (let s = 0; s < BAR_STEPS; s++) out[b * BAR_STEPS + s] = sum > 0 ? c[s] / sum : 1 / BAR_STEPS;
  });
  return out;
}

/** Absolute lags of the log-lag autocorrelation: 0.1 s to 4 s, 16 per octave (fine enough to tell 1 % of tempo). */
export const LAG_SECONDS: readonly number[] = Array.from({ length: 86 }, (_, i) => 0.1 * 2 ** (i / 16));

/** Envelopes whose lag autocorrelation survives a change of kit best (measured by `groovematch eval`): low band and the balanced sum. */
export const LAG_ENVELOPES: readonly number[] = [1, 5];

/**
 * Each band's onset autocorrelation at absolute log-spaced lags (Gruhne et al.): needs no tempo estimate,
 * so an octave error cannot move it; a tempo change shifts it along the axis.
 */
export function lagAutocorrelation(bands: Float32Array[], fps: number): Float32Array {
  const out = new Float32Array(LAG_ENVELOPES.length * LAG_SECONDS.length);
  const maxLag = Math.ceil(LAG_SECONDS[LAG_SECONDS.length - 1] * fps) + 2;
  LAG_ENVELOPES.forEach((e, b) => {
    const r = autocorrelation(highPass(bands[e], Math.round(fps)), maxLag);
    LAG_SECONDS.forEach((s, j) => {
      out[b * LAG_SECONDS.length + j] = interp(r, s * fps);
    });
  });
  return out;
}
