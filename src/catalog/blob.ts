/** Float32 vectors are stored as raw little-endian bytes. */

export function vectorToBlob(v: Float32Array): Buffer {
  // Copy only the view's own bytes: v may be a window into a larger buffer.
  return Buffer.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
}

export function blobToVector(b: Uint8Array): Float32Array {
  if (b.byteLength % 4 !== 0) throw new Error(`vector blob of ${b.byteLength} bytes is not a whole number of floats`);
  // Buffers from SQLite (or Node's pool) may start at any byteOffset, so never view them as floats in place.
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}
