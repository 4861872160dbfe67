/**
 * The groove synthesiser: labelled drum grooves (styles × kits × tempi) rendered from seeds, for the demo
 * catalogue, the tests and the rhythm-similarity evaluation. A performance depends only on style, variant,
 * bpm and seed; the kit only voices it, so one pattern_id on two kits is the same performance.
 */
export { mulberry32, hashSeed, gaussian, type Rng } from './random.js';
export { VOICES, type Voice } from './instruments.js';
export { KITS, getKit, type Kit } from './kits.js';
export { STYLES, styleNames, getStyle, type Style, type Pattern, type Meter } from './styles.js';
export { renderGroove, patternId, DEFAULT_HUMANISE, type RenderOptions, type Groove, type GrooveLabel } from './render.js';
export { encodeWav, type WavBitDepth } from './wav.js';
export { encodeMp3, id3v23, type Mp3Tags } from './mp3.js';
export { writeCorpus, planCorpus, CSV_HEADER, type CorpusOptions, type CorpusRow, type PlannedClip } from './corpus.js';
