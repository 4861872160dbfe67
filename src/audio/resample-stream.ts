import { kernel, resample } from './resample.js';

/** Outputs computed per call at least; below this the re-read filter context costs more than it saves. */
const MIN_BLOCK = 1 << 15;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * resample() fed chunk by chunk, so a long file never has to sit in memory at its source rate: each
 * push returns the outputs whose filter taps have all arrived. Outputs are the same numbers, in the same
 * order, as one resample() of the whole signal: every block starts on an input sample where the
 * polyphase pattern restarts (a multiple of M for the reduced ratio L/M), with enough earlier input kept
 * that no tap falls off its left edge. Rates without a small exact ratio are kept and resampled at the end.
 */
export class StreamResampler {
  private readonly M: number;
  private readonly L: number;
  private readonly half: number;
  private readonly exact: boolean;
  /** Input not yet dropped; pending[0] is global input sample `start`, a multiple of M. */
  private pending: Float32Array[] = [];
  private pendingLength = 0;
  private start = 0;
  private total = 0;
  /** Global index of the next output to hand out. */
  private emitted = 0;

  constructor(
    private readonly fromRate: number,
    private readonly toRate: number,
  ) {
    const k = kernel(fromRate, toRate);
    const g = gcd(fromRate, toRate);
    this.M = fromRate / g;
    this.L = toRate / g;
    this.half = k.taps / 2;
    this.exact = k.exact;
  }

  push(x: Float32Array): Float32Array {
    if (x.length === 0) return new Float32Array(0);
    this.pending.push(x);
    this.pendingLength += x.length;
    this.total += x.length;
    if (!this.exact) return new Float32Array(0);
    // Output n reads input up to floor(n·M/L) + half, which must already be here.
    const lastBase = this.total - this.half - 1;
    if (lastBase < 0) return new Float32Array(0);
    const upTo = Math.ceil(((lastBase + 1) * this.L) / this.M);
    if (upTo - this.emitted < MIN_BLOCK) return new Float32Array(0);
    return this.take(upTo);
  }

  /** The remaining outputs: round(total input · L/M) in all, as resample() gives. */
  end(): Float32Array {
    const all = Math.round((this.total * this.toRate) / this.fromRate);
    if (!this.exact) return resample(this.joined(), this.fromRate, this.toRate);
    return this.take(all);
  }

  private joined(): Float32Array {
    if (this.pending.length !== 1) {
      const y = new Float32Array(this.pendingLength);
      let at = 0;
      for (const p of this.pending) {
        y.set(p, at);
        at += p.length;
      }
      this.pending = [y];
    }
    return this.pending[0] ?? new Float32Array(0);
  }

  /** Outputs [emitted, upTo) from the pending input, then drop the input no later output needs. */
  private take(upTo: number): Float32Array {
    const y = this.joined();
    const offset = (this.start / this.M) * this.L;
    const out = resample(y, this.fromRate, this.toRate).slice(this.emitted - offset, upTo - offset);
    this.emitted = upTo;
    // The next output's first tap, rounded down to where the phase pattern restarts.
    const firstTap = Math.floor((upTo * this.M) / this.L) - this.half + 1;
    const keepFrom = Math.max(this.start, Math.floor(firstTap / this.M) * this.M);
    const drop = Math.min(keepFrom - this.start, y.length);
    this.pending = [y.slice(drop)];
    this.pendingLength = y.length - drop;
    this.start += drop;
    return out;
  }
}
