import { Worker } from 'node:worker_threads';
import type { MelSpectrogram } from './frames.js';

/**
 * A second thread that turns decoded audio into its mel spectrogram while the caller goes on decoding: an
 * upload's decoding and STFT then overlap instead of adding up (the server analyses uploads with it; `index`
 * does not, so a catalogue build uses one core per worker). The spectrogram is the one a MelStream in the
 * caller's thread would give: the same code on the same chunks.
 */
export class MelHelper {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (s: MelSpectrogram) => void; reject: (e: Error) => void }>();
  private failed: Error | null = null;

  constructor(opts: { maxHeapMb?: number } = {}) {
    const here = import.meta.url;
    const url = here.endsWith('.ts') ? new URL('./mel-worker-dev.mjs', here) : new URL('./mel-worker.js', here);
    this.worker = new Worker(url, { resourceLimits: { maxOldGenerationSizeMb: opts.maxHeapMb ?? 1024 } });
    this.worker.unref();
    this.worker.on('message', (m: { id: number; spec?: MelSpectrogram; error?: string }) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (!w) return;
      if (m.spec) w.resolve(m.spec);
      else w.reject(new Error(m.error ?? 'mel helper failed'));
    });
    const fail = (e: Error) => {
      this.failed = e;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`mel helper exited with code ${code}`)));
  }

  /** False once the thread has died: make a new helper. */
  get usable(): boolean {
    return this.failed === null;
  }

  /** One signal at `rate`: push() its chunks in order (they are copied), then end() for the spectrogram. */
  open(rate: number): { push(x: Float32Array): void; end(): Promise<MelSpectrogram>; drop(): void } {
    const id = this.nextId++;
    this.worker.postMessage({ t: 'start', id, rate });
    return {
      push: (x) => this.worker.postMessage({ t: 'chunk', id, x }),
      end: () =>
        new Promise<MelSpectrogram>((resolve, reject) => {
          if (this.failed) return reject(this.failed);
          this.waiting.set(id, { resolve, reject });
          this.worker.postMessage({ t: 'end', id });
        }),
      drop: () => this.worker.postMessage({ t: 'drop', id }),
    };
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}
