/*
 * groovematch's native MP3 decoder: the system's libmpg123 behind four N-API calls.
 *
 * Why native: MP3 decoding is the measured bottleneck of ingest, and the same mpg123 compiled to WASM
 * (audio-decode) runs without its hand-written SIMD synthesis. Why this shape: the caller feeds the file
 * in slices, as it does for the WASM decoders, so maxSeconds can stop decoding early and a long file is
 * never held whole as PCM. Only plain C and node_api.h (N-API 8), so one build serves every node from 16
 * on and needs no C++ compiler, no nan and no node version-specific headers.
 *
 *   open(halve)        -> handle   halve: let 44.1/48 kHz come out at half rate (see configure())
 *   decode(handle, u8) -> Float32Array of mono samples (possibly empty)
 *   format(handle)     -> [outRate, sourceRate, sourceChannels] once a Layer III frame is decoded, else null
 *   close(handle)      -> frees now instead of at garbage collection
 */
#include <stdlib.h>
#include <string.h>
#include <mpg123.h>
#include <node_api.h>

typedef struct {
  mpg123_handle *mh;
  unsigned char *out; /* grows to the most PCM one decode() call has produced, then is reused */
  size_t cap;
  long rate, source_rate; /* 0 until the first Layer III frame is decoded */
  int source_channels;
} decoder;

/* Successive decoder errors without output after which a slice is given up (the next one retries). */
#define MAX_FAILS 8

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

static void destroy(decoder *d) {
  if (d->mh) mpg123_delete(d->mh);
  free(d->out);
  d->mh = NULL;
  d->out = NULL;
  d->cap = 0;
}

static void finalize(napi_env env, void *data, void *hint) {
  destroy((decoder *)data);
  free(data);
}

/*
 * The flags match audio-decode's build of mpg123 (gapless on: the LAME tag's encoder delay and padding
 * and the decoder's own 529-sample delay are cut, so both paths put a beat at the same time, to within
 * 1/44,100 s, see test/decode-paths.test.ts), except that the channels are mixed to mono inside the
 * decoder instead of forced to stereo: half the synthesis work, and the same (L + R) / 2 as toMono().
 * QUIET: a damaged upload must not write to stderr.
 *
 * Why a format table instead of MPG123_DOWN_SAMPLE: the 2:1 synthesis (only the lower 16 of the 32
 * subbands are synthesised, at half the rate; what lies above 11 kHz is never computed, so it cannot
 * fold back: -58 dB at 11.5 kHz, >= 93 dB from 12 kHz up, measured) is what we want for 44.1 and
 * 48 kHz, but for 32 kHz it would give 16 kHz and lose 8-11 kHz, the hats band. With 44.1/48 kHz left out
 * of the allowed rates, libmpg123's own format choice falls to exactly rate/2 and selects that 2:1
 * synthesis (output bit-identical to MPG123_DOWN_SAMPLE = 1 on 44.1 and 48 kHz files), while every other
 * rate stays native; no probe of the first frame needed. The crude N-to-M resampler is never reached:
 * every native rate or its half is always allowed.
 */
static int configure(mpg123_handle *mh, int halve) {
  static const long rates[] = {8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000};
  long flags = MPG123_GAPLESS | MPG123_MONO_MIX | MPG123_QUIET | MPG123_SKIP_ID3V2 | MPG123_NO_PEEK_END |
               MPG123_NO_READAHEAD | (halve ? MPG123_AUTO_RESAMPLE : 0);
  if (mpg123_param(mh, MPG123_FLAGS, flags, 0) != MPG123_OK) return 0;
  if (mpg123_format_none(mh) != MPG123_OK) return 0;
  for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
    if (halve && rates[i] > 32000) continue;
    if (mpg123_format(mh, rates[i], MPG123_MONO, MPG123_ENC_FLOAT_32) != MPG123_OK) return 0;
  }
  return mpg123_open_feed(mh) == MPG123_OK;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], handle;
  bool halve = false;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_bool(env, argv[0], &halve) != napi_ok) return throw_type(env, "open(halve: boolean)");
  decoder *d = calloc(1, sizeof *d);
  if (!d) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  int err = MPG123_OK;
  d->mh = mpg123_new(NULL, &err);
  if (!d->mh || !configure(d->mh, halve)) {
    destroy(d);
    free(d);
    napi_throw_error(env, NULL, "libmpg123 could not be set up");
    return NULL;
  }
  if (napi_create_external(env, d, finalize, NULL, &handle) != napi_ok) {
    destroy(d);
    free(d);
    return NULL;
  }
  return handle;
}

static decoder *unwrap(napi_env env, napi_value v) {
  void *d = NULL;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) return NULL;
  napi_get_value_external(env, v, &d);
  return d;
}

/* Taken from the first Layer III frame; later frames at other rates are skipped (see js_decode). */
static void note_format(decoder *d, const struct mpg123_frameinfo *fi) {
  long rate = 0;
  int channels = 0, encoding = 0;
  if (mpg123_getformat(d->mh, &rate, &channels, &encoding) != MPG123_OK) return;
  d->rate = rate;
  d->source_rate = fi->rate;
  d->source_channels = fi->mode == MPG123_M_MONO ? 1 : 2;
}

/* Room for `bytes` more output, or 0 when memory runs out (the caller then hands out what it has). */
static int reserve(decoder *d, size_t used, size_t bytes) {
  if (d->cap - used >= bytes) return 1;
  size_t cap = d->cap ? d->cap : 1 << 18;
  while (cap - used < bytes) cap *= 2;
  unsigned char *grown = realloc(d->out, cap);
  if (!grown) return 0;
  d->out = grown;
  d->cap = cap;
  return 1;
}

/*
 * Frame by frame rather than mpg123_read(), to look at each frame before it is decoded. Only Layer III
 * frames at the stream's first sample rate are decoded (the caller sends MP1/MP2 files to the WASM
 * decoder): in damaged MP3s, bytes that happen to form a Layer II header would otherwise reach
 * libmpg123's Layer II code, which prints "Truncating stereo boundary..." to stderr whatever
 * MPG123_QUIET says, and a stray header with another rate would come out at that rate and shift every
 * later beat. Skipping loses only that frame (26 ms at 44.1 kHz). Gapless trimming still applies here.
 */
static napi_value js_decode(napi_env env, napi_callback_info info) {
  size_t argc = 2, len = 0, used = 0;
  napi_value argv[2], buffer, result;
  napi_typedarray_type type;
  void *data = NULL, *dest = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  decoder *d = argc == 2 ? unwrap(env, argv[0]) : NULL;
  if (!d || napi_get_typedarray_info(env, argv[1], &type, &len, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    return throw_type(env, "decode(handle, bytes: Uint8Array)");
  }
  if (!d->mh) return throw_type(env, "decoder is closed");
  int fed = len ? mpg123_feed(d->mh, data, len) : MPG123_OK;
  for (int fails = 0; fed == MPG123_OK && fails < MAX_FAILS;) {
    int s = mpg123_framebyframe_next(d->mh);
    if (s == MPG123_NEED_MORE || s == MPG123_DONE) break;
    struct mpg123_frameinfo fi;
    if ((s != MPG123_OK && s != MPG123_NEW_FORMAT) || mpg123_info(d->mh, &fi) != MPG123_OK) {
      fails++; /* a damaged frame: libmpg123 resyncs on the next call, up to a point */
      continue;
    }
    if (fi.layer != 3 || (d->rate && fi.rate != d->source_rate)) continue;
    if (!d->rate) note_format(d, &fi);
    unsigned char *audio = NULL;
    size_t bytes = 0;
    if (mpg123_framebyframe_decode(d->mh, NULL, &audio, &bytes) != MPG123_OK) {
      fails++;
      continue;
    }
    fails = 0;
    if (!reserve(d, used, bytes)) break;
    if (bytes) memcpy(d->out + used, audio, bytes);
    used += bytes;
  }
  used -= used % sizeof(float);
  if (napi_create_arraybuffer(env, used, &dest, &buffer) != napi_ok) return NULL;
  if (used) memcpy(dest, d->out, used);
  if (napi_create_typedarray(env, napi_float32_array, used / sizeof(float), buffer, 0, &result) != napi_ok) return NULL;
  return result;
}

static napi_value js_format(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result, v;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  decoder *d = argc == 1 ? unwrap(env, argv[0]) : NULL;
  if (!d) return throw_type(env, "format(handle)");
  if (!d->rate) {
    napi_get_null(env, &result);
    return result;
  }
  const double values[3] = {(double)d->rate, (double)d->source_rate, (double)d->source_channels};
  napi_create_array_with_length(env, 3, &result);
  for (uint32_t i = 0; i < 3; i++) {
    napi_create_double(env, values[i], &v);
    napi_set_element(env, result, i, v);
  }
  return result;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  decoder *d = argc == 1 ? unwrap(env, argv[0]) : NULL;
  if (!d) return throw_type(env, "close(handle)");
  destroy(d);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  /* A no-op since libmpg123 1.27, required before it (Debian 11 ships 1.26). */
  if (mpg123_init() != MPG123_OK) {
    napi_throw_error(env, NULL, "libmpg123 failed to initialise");
    return NULL;
  }
  const napi_property_descriptor fns[] = {
    {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
    {"decode", NULL, js_decode, NULL, NULL, NULL, napi_default, NULL},
    {"format", NULL, js_format, NULL, NULL, NULL, napi_default, NULL},
    {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
