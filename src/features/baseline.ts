import { melSpectrogram } from './frames.js';
import { mfcc } from './timbre.js';

/**
 * The origin project's descriptor, kept only to compare against: the mean of 40 MFCCs with librosa's
 * defaults (2048-point FFT, hop 512, 128 Slaney mel bands from 0 Hz, dB with an 80 dB floor, ortho DCT).
 * It measures timbre, not rhythm.
 */
export function mfccMean40(samples: Float32Array, sampleRate: number): Float32Array {
  const spec = melSpectrogram(samples, sampleRate, { nFft: 2048, hop: 512, nMels: 128, fMin: 0 });
  const c = mfcc(spec, 40);
  const out = new Float32Array(40);
  for (let t = 0; t < spec.frames; t++) for (let k = 0; k < 40; k++) out[k] += c[t * 40 + k] / spec.frames;
  return out;
}
