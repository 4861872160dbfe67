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

/** Per-call limits, for a job that serves a request. */
export interface CallOptions {
  /** Abandon the job when this fires (the client went away): dropped from the queue, or its worker replaced. */
  signal?: AbortSignal;
  /** Whole-job deadline from submission, queue wait included; passing it rejects with BusyError('timeout'). */
  deadlineMs?: number;
}

/** The caller's signal fired; nobody is waiting for the answer. */
export class AbortedError extends Error {
  readonly code = 'aborted';
  constructor() {
    super('analysis cancelled: the client went away');
    this.name = 'AbortError';
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
  /** Drops the task's deadline timer and abort listener. */
  done: () => void;
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

  /** True when a new job would be refused: callers can say 503 before accepting an upload's bytes. */
  get saturated(): boolean {
    return this.queue.length >= this.maxQueue && this.slots.every((s) => s.task);
  }

  analyse(path: string, opts: AnalyseOptions = {}, call: CallOptions = {}): Promise<Analysis> {
    if (this.closed) return Promise.reject(new Error('analysis pool is closed'));
    if (call.signal?.aborted) return Promise.reject(new AbortedError());
    if (this.saturated) {
      return Promise.reject(new BusyError('busy', 'The server is busy analysing other uploads; try again shortly.'));
    }
    return new Promise<Analysis>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => this.cancel(task, new AbortedError());
      const task: Task = {
        id: this.nextId++,
        path,
        opts,
        resolve: (a) => { task.done(); resolve(a); },
        reject: (e) => { task.done(); reject(e); },
        done: () => {
          if (timer) clearTimeout(timer);
          call.signal?.removeEventListener('abort', onAbort);
        },
      };
      if (call.deadlineMs !== undefined && call.deadlineMs > 0) {
        timer = setTimeout(() => {
          this.cancel(task, new BusyError('timeout', 'Analysis took too long and was stopped.'));
        }, call.deadlineMs);
      }
      call.signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** Stop one job wherever it is: waiting, it leaves the queue; running, its worker is replaced. */
  private cancel(task: Task, err: Error): void {
    const q = this.queue.indexOf(task);
    if (q >= 0) {
      this.queue.splice(q, 1);
      task.reject(err);
      return;
    }
    const slot = this.slots.find((s) => s.task === task);
    if (slot) this.replace(slot, err);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('analysis pool is closed'));
    // Running jobs would otherwise wait forever on workers that are gone.
    for (const s of this.slots) {
      const task = s.task;
      this.clear(s);
      task?.reject(new Error('analysis pool is closed'));
    }
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
    // Running out of the per-job heap is the file's doing, so it is a client error (413), not a crash.
    if (/heap|memory/i.test(err.message)) {
      const tooBig = Object.assign(new Error('The file needs more memory to analyse than this server allows.'), {
        status: 413,
        expose: true,
      });
      this.replace(slot, tooBig);
      return;
    }
    this.replace(slot, new Error(err.message));
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
