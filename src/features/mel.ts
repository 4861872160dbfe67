/** Slaney-style mel scale (linear below 1 kHz, logarithmic above), as librosa's default. */
export function hzToMel(hz: number): number {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return hz < minLogHz ? hz / fSp : minLogMel + Math.log(hz / minLogHz) / logStep;
}

export function melToHz(mel: number): number {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return mel < minLogMel ? mel * fSp : minLogHz * Math.exp(logStep * (mel - minLogMel));
}

/** One triangular filter stored sparsely: weights for FFT bins start..start+weights.length-1. */
export interface MelFilter {
  start: number;
  weights: Float32Array;
  centreHz: number;
}

/**
 * Triangular mel filterbank over an nFft-point real spectrum, area-normalised (Slaney) so that
 * wide high bands do not dominate narrow low ones.
 */
export function melFilterbank(sampleRate: number, nFft: number, nMels: number, fMin: number, fMax: number): MelFilter[] {
  const nBins = nFft / 2 + 1;
  const binHz = sampleRate / nFft;
  const melMin = hzToMel(fMin);
  const melMax = hzToMel(fMax);
  const edges: number[] = [];
  for (let i = 0; i < nMels + 2; i++) edges.push(melToHz(melMin + ((melMax - melMin) * i) / (nMels + 1)));
  const filters: MelFilter[] = [];
  for (let m = 0; m < nMels; m++) {
    const [lo, mid, hi] = [edges[m], edges[m + 1], edges[m + 2]];
    const norm = 2 / (hi - lo);
    const first = Math.max(0, Math.floor(lo / binHz));
    const last = Math.min(nBins - 1, Math.ceil(hi / binHz));
    const w: number[] = [];
    for (let k = first; k <= last; k++) {
      const f = k * binHz;
      const up = (f - lo) / (mid - lo);
      const down = (hi - f) / (hi - mid);
      w.push(Math.max(0, Math.min(up, down)) * norm);
    }
    // Low filters can be narrower than one FFT bin; give them the nearest bin so no band is silent.
    if (w.every((x) => x === 0)) {
      const k = Math.min(nBins - 1, Math.round(mid / binHz));
      filters.push({ start: k, weights: Float32Array.of(norm * binHz), centreHz: mid });
    } else {
      filters.push({ start: first, weights: Float32Array.from(w), centreHz: mid });
    }
  }
  return filters;
}
