/**
 * Why an input could not be used. `status` is the HTTP status a web client should get,
 * so every stage can throw one and the error handler needs no table of its own.
 */
export type AudioErrorCode = 'empty' | 'not_audio' | 'unsupported' | 'corrupt' | 'too_short';

const STATUS: Record<AudioErrorCode, number> = {
  empty: 400,
  not_audio: 400,
  unsupported: 415,
  corrupt: 400,
  too_short: 400,
};

export class AudioError extends Error {
  readonly code: AudioErrorCode;
  readonly status: number;
  constructor(code: AudioErrorCode, message: string) {
    super(message);
    this.name = 'AudioError';
    this.code = code;
    this.status = STATUS[code];
  }
}
