export { AudioError, type AudioErrorCode } from './errors.js';
export {
  decodeBytes,
  decodeFile,
  decodeMono,
  decodeStream,
  MIN_DURATION_S,
  TARGET_RATE,
  type DecodedAudio,
  type DecodeOptions,
  type MonoPcm,
} from './decode.js';
export { toMono } from './mono.js';
export { resample } from './resample.js';
export {
  ACCEPTED_FORMATS_TEXT,
  AUDIO_EXTENSIONS,
  FORMAT_LABELS,
  sniffFormat,
  type AudioFormat,
} from './sniff.js';
