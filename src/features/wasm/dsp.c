/*
 * groovematch's analysis kernels in WebAssembly (built by scripts/build-dsp-wasm.sh with Debian's clang and
 * wasm-ld; the result is embedded in dsp-wasm.ts). Each kernel does exactly the arithmetic of the JavaScript it
 * replaces, in the same order and precision (float64 where the JavaScript used numbers, float32 where it stored
 * into a Float32Array), so its results are the same up to the last bit of a logarithm. SIMD only runs several
 * independent sums side by side; no sum is reordered.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

typedef unsigned long size_t;
extern unsigned char __heap_base;
static size_t heap_top = 0;

/* A bump allocator: the JavaScript side allocates its work buffers once and reuses them. 0 when memory is out. */
EXPORT("alloc") void *gm_alloc(int bytes) {
  if (!heap_top) heap_top = (size_t)&__heap_base;
  size_t p = (heap_top + 15) & ~(size_t)15;
  size_t end = p + (size_t)bytes;
  size_t pages = (end + 65535) >> 16;
  size_t have = __builtin_wasm_memory_size(0);
  if (pages > have && __builtin_wasm_memory_grow(0, pages - have) == (size_t)-1) return 0;
  heap_top = end;
  return (void *)p;
}

/*
 * log10(x) for finite x > 0: x = 2^k·m with m in [√½, √2), ln m = 2·atanh(s) with s = (m − 1)/(m + 1), |s| < 0.172,
 * by its series to s^25 (the next term is below 2^-60 of the sum): within a few ulp of a correctly rounded log10.
 */
static double log10_pos(double x) {
  union { double d; unsigned long long u; } v = { x };
  int k = (int)((v.u >> 52) & 0x7ff) - 1023;
  if (k == -1023) { /* subnormal: scale up first */
    v.d = x * 18014398509481984.0; /* 2^54 */
    k = (int)((v.u >> 52) & 0x7ff) - 1023 - 54;
  }
  v.u = (v.u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL; /* m in [1, 2) */
  double m = v.d;
  if (m > 1.4142135623730951) { m *= 0.5; k += 1; }
  double s = (m - 1.0) / (m + 1.0);
  double z = s * s;
  double p = 1.0 / 25;
  p = p * z + 1.0 / 23; p = p * z + 1.0 / 21; p = p * z + 1.0 / 19; p = p * z + 1.0 / 17; p = p * z + 1.0 / 15;
  p = p * z + 1.0 / 13; p = p * z + 1.0 / 11; p = p * z + 1.0 / 9; p = p * z + 1.0 / 7; p = p * z + 1.0 / 5;
  p = p * z + 1.0 / 3;
  /* ln m = 2s + 2s·z·p, with the small part added last */
  double lnm = 2.0 * s + 2.0 * s * (z * p);
  const double ln2hi = 6.93147180369123816490e-01, ln2lo = 1.90821492927058770002e-10;
  double ln = (k * ln2hi) + (lnm + k * ln2lo);
  return ln * 0.43429448190325182765; /* 1 / ln 10 */
}

/*
 * count frames of nFft samples, frame f starting at stream sample first + f·hop, each multiplied by the window
 * (float64 product, stored as float32). sig holds stream samples [sigStart, sigStart + sigLen); samples outside
 * are the zero padding.
 */
EXPORT("window_frames")
void window_frames(const float *sig, int sigStart, int sigLen, int first, int hop, int count, int nFft,
                   const double *win, float *out) {
  for (int f = 0; f < count; f++) {
    int start = first + f * hop - sigStart;
    float *o = out + (size_t)f * nFft;
    if (start >= 0 && start + nFft <= sigLen) {
      const float *x = sig + start;
      int i = 0;
      for (; i + 4 <= nFft; i += 4) {
        v128_t xv = wasm_v128_load(x + i);
        v128_t lo = wasm_f64x2_mul(wasm_f64x2_promote_low_f32x4(xv), wasm_v128_load(win + i));
        v128_t hi = wasm_f64x2_mul(wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(xv, xv, 2, 3, 0, 1)),
                                   wasm_v128_load(win + i + 2));
        v128_t a = wasm_f32x4_demote_f64x2_zero(lo);
        v128_t b = wasm_f32x4_demote_f64x2_zero(hi);
        wasm_v128_store(o + i, wasm_i32x4_shuffle(a, b, 0, 1, 4, 5));
      }
      for (; i < nFft; i++) o[i] = (float)((double)x[i] * win[i]);
    } else {
      for (int i = 0; i < nFft; i++) {
        int j = start + i;
        o[i] = j >= 0 && j < sigLen ? (float)((double)sig[j] * win[i]) : 0.0f;
      }
    }
  }
}

/*
 * Mel bands in dB of count PFFFT "ordered" real spectra (nFft floats each: X0, X(N/2), re1, im1, …): power in
 * float64, each filter's weighted sum over its bins in order, 10·log10(e + 1e-10) stored as float32. Returns the
 * largest dB value (float64, before rounding), or −infinity for count 0.
 */
EXPORT("mel_db")
double mel_db(const float *spec, int count, int nFft, int nMels, const int *offsets, const int *bins, const int *counts,
              const double *weights, double *power, float *db) {
  double maxDb = -__builtin_inf();
  int half = nFft / 2;
  for (int f = 0; f < count; f++) {
    const float *h = spec + (size_t)f * nFft;
    power[0] = (double)h[0] * (double)h[0];
    power[half] = (double)h[1] * (double)h[1];
    for (int k = 1; k < half; k++) {
      double re = h[2 * k], im = h[2 * k + 1];
      power[k] = re * re + im * im;
    }
    float *row = db + (size_t)f * nMels;
    for (int m = 0; m < nMels; m++) {
      double e = 0;
      const double *w = weights + offsets[m];
      const double *p = power + bins[m];
      for (int i = 0, c = counts[m]; i < c; i++) e += w[i] * p[i];
      double v = 10 * log10_pos(e + 1e-10);
      row[m] = (float)v;
      if (v > maxDb) maxDb = v;
    }
  }
  return maxDb;
}

/*
 * DCT of each of frames rows of nIn float32 values: out[t·nOut + k] = Σ_i dct[k·nIn + i]·x[t·nIn + i] summed in
 * float64 in order of i, stored as float32. dctT is the same matrix transposed (dctT[i·nOut + k]); nOut even.
 */
EXPORT("dct_rows")
void dct_rows(const float *x, int frames, int nIn, const double *dctT, int nOut, float *out) {
  for (int t = 0; t < frames; t++) {
    const float *row = x + (size_t)t * nIn;
    float *o = out + (size_t)t * nOut;
    for (int k = 0; k < nOut; k += 2) {
      v128_t acc = wasm_f64x2_splat(0.0);
      const double *c = dctT + k;
      for (int i = 0; i < nIn; i++) {
        acc = wasm_f64x2_add(acc, wasm_f64x2_mul(wasm_v128_load(c + (size_t)i * nOut), wasm_f64x2_splat((double)row[i])));
      }
      o[k] = (float)wasm_f64x2_extract_lane(acc, 0);
      o[k + 1] = (float)wasm_f64x2_extract_lane(acc, 1);
    }
  }
}
