/**
 * Average the channels into one. A single channel is returned as is (not copied): decoders hand
 * over fresh buffers, so a copy would only cost time and memory. No channels give an empty array.
 */
export function toMono(channels: Float32Array[]): Float32Array {
  if (channels.length === 0) return new Float32Array(0);
  if (channels.length === 1) return channels[0];
  // Channels of unequal length (damaged files) are cut to the shortest.
  const n = Math.min(...channels.map((c) => c.length));
  const out = new Float32Array(n);
  if (channels.length === 2) {
    const [a, b] = channels;
    for (let i = 0; i < n; i++) out[i] = (a[i] + b[i]) * 0.5;
    return out;
  }
  for (const c of channels) for (let i = 0; i < n; i++) out[i] += c[i];
  const g = 1 / channels.length;
  for (let i = 0; i < n; i++) out[i] *= g;
  return out;
}
