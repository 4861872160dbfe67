export type WavBitDepth = 16 | 24 | 32;

/** Mono RIFF/WAVE. 16 and 24 bit are integer PCM; 32 bit is IEEE float, which keeps the samples exact. */
export function encodeWav(samples: Float32Array, sampleRate: number, bitDepth: WavBitDepth = 16): Uint8Array {
  if (bitDepth !== 16 && bitDepth !== 24 && bitDepth !== 32) throw new Error(`unsupported WAV bit depth ${String(bitDepth)}`);
  const bytesPerSample = bitDepth / 8;
  const dataBytes = samples.length * bytesPerSample;
  const buf = new Uint8Array(44 + dataBytes);
  const view = new DataView(buf.buffer);
  const ascii = (offset: number, s: string): void => {
    for (let i = 0; i < s.length; i++) buf[offset + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, bitDepth === 32 ? 3 : 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * bytesPerSample, true);
  view.setUint16(32, bytesPerSample, true);
  view.setUint16(34, bitDepth, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  let o = 44;
  for (let i = 0; i < samples.length; i++, o += bytesPerSample) {
    const s = Math.max(-1, Math.min(1, samples[i]));
    if (bitDepth === 16) view.setInt16(o, Math.round(s * 32767), true);
    else if (bitDepth === 24) {
      const v = Math.round(s * 8388607);
      buf[o] = v & 0xff;
      buf[o + 1] = (v >> 8) & 0xff;
      buf[o + 2] = (v >> 16) & 0xff;
    } else view.setFloat32(o, samples[i], true);
  }
  return buf;
}
