import { parentPort } from 'node:worker_threads';
import { MelStream } from './frames.js';

/** The mel helper thread (mel-helper.ts): one MelStream per stream id, fed chunks, answered with the spectrogram. */
type Message = { t: 'start'; id: number; rate: number } | { t: 'chunk'; id: number; x: Float32Array } | { t: 'end' | 'drop'; id: number };

const streams = new Map<number, MelStream>();

parentPort?.on('message', (m: Message) => {
  try {
    if (m.t === 'start') streams.set(m.id, new MelStream(m.rate));
    else if (m.t === 'chunk') streams.get(m.id)?.push(m.x);
    else if (m.t === 'drop') streams.delete(m.id);
    else {
      const s = streams.get(m.id);
      streams.delete(m.id);
      if (!s) throw new Error(`no mel stream ${m.id}`);
      const spec = s.end();
      parentPort?.postMessage({ id: m.id, spec }, [spec.db.buffer as ArrayBuffer]);
    }
  } catch (err) {
    streams.delete(m.id);
    parentPort?.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) });
  }
});
