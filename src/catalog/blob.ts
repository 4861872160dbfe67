import type { Print } from '../features/print.js';

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

/**
 * A print (src/features/print.ts) is stored as one byte of band count, the frame rate in millihertz (uint32,
 * little-endian), then the data.
 */
export function printToBlob(p: Print): Buffer {
  const out = Buffer.alloc(5 + p.data.length);
  out[0] = p.bands;
  out.writeUInt32LE(Math.round(p.fps * 1000), 1);
  out.set(p.data, 5);
  return out;
}

export function blobToPrint(b: Uint8Array): Print | null {
  if (b.length < 5 || b[0] === 0) return null;
  const fps = (b[1] | (b[2] << 8) | (b[3] << 16) | (b[4] * 2 ** 24)) / 1000;
  return { bands: b[0], fps, data: b.subarray(5) };
}
