import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AudioError, type AudioErrorCode } from '../audio/errors.js';
import type { AnalyseOptions } from './analyse.js';
import type { Analysis } from './types.js';

/** Raised when the queue is full or a job overran its deadline; the web stage answers 503. */
export class BusyError extends Error {
  readonly status = 503;
  readonly code: 'busy' | 'timeout';
  constructor(code: 'busy' | 'timeout', message: string) {
    super(message);
    this.name = 'BusyError';
    this.code = code;
  }
}

export interface PoolOptions {
  workers?: number;
  /** Jobs allowed to wait for a worker; more are refused with BusyError. */
  maxQueue?: number;
  /** A job running longer is abandoned (its worker is replaced). */
  timeoutMs?: number;
  /** Heap cap per worker, so one pathological file cannot take the machine. */
  maxHeapMb?: number;
}

interface Task {
  id: number;
  path: string;
  opts: AnalyseOptions;
  resolve: (a: Analysis) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  task: Task | null;
  timer: NodeJS.Timeout | null;
}

type Reply =
  | { id: number; ok: true; analysis: Analysis }
  | { id: number; ok: false; error: { name: string; code?: string; status?: number; message: string } };

function workerUrl(): { url: URL; execArgv: string[] } {
  const here = import.meta.url;
  // Under tests and tsx the sources are .ts; the worker then needs tsx's loader too.
  if (here.endsWith('.ts')) return { url: new URL('./worker-dev.mjs', here), execArgv: [] };
  return { url: new URL('./worker.js', here), execArgv: [] };
}

function toError(e: { name: string; code?: string; status?: number; message: string }): Error {
  if (e.name === 'AudioError' && e.code) return new AudioError(e.code as AudioErrorCode, e.message);
  return new Error(e.message);
}

/** A fixed set of worker threads that decode and describe audio, so the event loop stays free. */
export class AnalysisPool {
  readonly size: number;
  private readonly maxQueue: number;
  private readonly timeoutMs: number;
  private readonly maxHeapMb: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  constructor(opts: PoolOptions = {}) {
    this.size = Math.max(1, opts.workers ?? availableParallelism());
    this.maxQueue = opts.maxQueue ?? Number.POSITIVE_INFINITY;
    this.timeoutMs = opts.timeoutMs ?? 0;
    this.maxHeapMb = opts.maxHeapMb ?? 2048;
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn());
  }

  get pending(): number {
    return this.queue.length + this.slots.filter((s) => s.task).length;
  }

  analyse(path: string, opts: AnalyseOptions = {}): Promise<Analysis> {
    if (this.closed) return Promise.reject(new Error('analysis pool is closed'));
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(new BusyError('busy', 'The server is busy analysing other uploads; try again shortly.'));
    }
    return new Promise<Analysis>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, path, opts, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('analysis pool is closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const { url, execArgv } = workerUrl();
    const worker = new Worker(url, { execArgv, resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb } });
    const slot: Slot = { worker, task: null, timer: null };
    worker.on('message', (reply: Reply) => this.finish(slot, reply));
    worker.on('error', (err) => this.fail(slot, err));
    worker.on('exit', (code) => {
      if (!this.closed && code !== 0) this.fail(slot, new Error(`analysis worker exited with code ${code}`));
    });
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.task || this.queue.length === 0) continue;
      const task = this.queue.shift()!;
      slot.task = task;
      if (this.timeoutMs > 0) {
        slot.timer = setTimeout(() => {
          this.replace(slot, new BusyError('timeout', 'Analysis took too long and was stopped.'));
        }, this.timeoutMs);
      }
      slot.worker.postMessage({ id: task.id, path: task.path, opts: task.opts });
    }
  }

  private finish(slot: Slot, reply: Reply): void {
    const task = slot.task;
    if (!task || task.id !== reply.id) return;
    this.clear(slot);
    if (reply.ok) task.resolve(reply.analysis);
    else task.reject(toError(reply.error));
    this.dispatch();
  }

  private fail(slot: Slot, err: Error): void {
    const msg = /heap|memory/i.test(err.message) ? 'The file needs more memory to analyse than allowed.' : err.message;
    this.replace(slot, new Error(msg));
  }

  /** Abandon the slot's job, kill its worker and start a fresh one in its place. */
  private replace(slot: Slot, err: Error): void {
    const task = slot.task;
    this.clear(slot);
    const i = this.slots.indexOf(slot);
    if (i < 0 || this.closed) return;
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => undefined);
    void slot.worker.terminate();
    this.slots[i] = this.spawn();
    task?.reject(err);
    this.dispatch();
  }

  private clear(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.task = null;
  }
}
