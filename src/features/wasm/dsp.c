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
 * |X[k]|² in float64 of one PFFFT "ordered" real spectrum (X0, X(N/2), re1, im1, …), k = 0 … nFft/2, into
 * power[stride·k]: re·re + im·im per bin, two bins per SIMD step.
 */
static void power_of(const float *h, int nFft, double *power, int stride) {
  int half = nFft / 2;
  power[0] = (double)h[0] * (double)h[0];
  power[(size_t)stride * half] = (double)h[1] * (double)h[1];
  int k = 1;
  for (; k + 1 < half; k += 2) {
    v128_t v = wasm_v128_load(h + 2 * k);
    v128_t lo = wasm_f64x2_promote_low_f32x4(v);
    v128_t hi = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    v128_t a = wasm_f64x2_mul(lo, lo), b = wasm_f64x2_mul(hi, hi);
    v128_t p = wasm_f64x2_add(wasm_i64x2_shuffle(a, b, 0, 2), wasm_i64x2_shuffle(a, b, 1, 3));
    power[(size_t)stride * k] = wasm_f64x2_extract_lane(p, 0);
    power[(size_t)stride * (k + 1)] = wasm_f64x2_extract_lane(p, 1);
  }
  for (; k < half; k++) {
    double re = h[2 * k], im = h[2 * k + 1];
    power[(size_t)stride * k] = re * re + im * im;
  }
}

/*
 * log10(x) on two lanes, for normal x > 0 (the mel energies here are at least 1e-10): x = 2^k·m with m in
 * [√½, √2), ln m = 2·atanh(s) with s = (m − 1)/(m + 1), |s| < 0.172, by its series to s^25 (the next term is below
 * 2^-60 of the sum): within a few ulp of a correctly rounded log10.
 */
static inline v128_t log10_pos2(v128_t x) {
  v128_t bits = x;
  v128_t k64 = wasm_i64x2_sub(wasm_u64x2_shr(bits, 52), wasm_i64x2_splat(1023));
  v128_t m = wasm_v128_or(wasm_v128_and(bits, wasm_i64x2_splat(0x000fffffffffffffLL)), wasm_i64x2_splat(0x3ff0000000000000LL));
  v128_t big = wasm_f64x2_gt(m, wasm_f64x2_splat(1.4142135623730951));
  m = wasm_v128_bitselect(wasm_f64x2_mul(m, wasm_f64x2_splat(0.5)), m, big);
  k64 = wasm_i64x2_sub(k64, big); /* big is all ones (−1) where m was halved */
  v128_t k = wasm_f64x2_convert_low_i32x4(wasm_i32x4_shuffle(k64, k64, 0, 2, 0, 2));
  v128_t one = wasm_f64x2_splat(1.0);
  v128_t s = wasm_f64x2_div(wasm_f64x2_sub(m, one), wasm_f64x2_add(m, one));
  v128_t z = wasm_f64x2_mul(s, s);
#define STEP(c) p = wasm_f64x2_add(wasm_f64x2_mul(p, z), wasm_f64x2_splat(c))
  v128_t p = wasm_f64x2_splat(1.0 / 25);
  STEP(1.0 / 23); STEP(1.0 / 21); STEP(1.0 / 19); STEP(1.0 / 17); STEP(1.0 / 15); STEP(1.0 / 13); STEP(1.0 / 11);
  STEP(1.0 / 9); STEP(1.0 / 7); STEP(1.0 / 5); STEP(1.0 / 3);
#undef STEP
  v128_t two = wasm_f64x2_splat(2.0);
  v128_t lnm = wasm_f64x2_add(wasm_f64x2_mul(two, s), wasm_f64x2_mul(wasm_f64x2_mul(two, s), wasm_f64x2_mul(z, p)));
  v128_t ln = wasm_f64x2_add(wasm_f64x2_mul(k, wasm_f64x2_splat(6.93147180369123816490e-01)),
                             wasm_f64x2_add(lnm, wasm_f64x2_mul(k, wasm_f64x2_splat(1.90821492927058770002e-10))));
  return wasm_f64x2_mul(ln, wasm_f64x2_splat(0.43429448190325182765));
}

/*
 * Mel bands in dB of count PFFFT "ordered" real spectra (nFft floats each): power in float64, each filter's
 * weighted sum over its bins in order, 10·log10(e + 1e-10) stored as float32. Eight frames go side by side (four
 * f64x2 accumulators: each lane is one frame's sum, in the same order as alone), then all their logarithms.
 * power holds 8·(nFft/2 + 1) + 8·(nMels + 1) doubles. Returns the largest dB value (float64, before rounding),
 * or −infinity for count 0.
 */
#define LANES 8
EXPORT("mel_db")
double mel_db(const float *spec, int count, int nFft, int nMels, const int *offsets, const int *bins, const int *counts,
              const double *weights, double *power, float *db) {
  double maxDb = -__builtin_inf();
  int nb = nFft / 2 + 1;
  /* after the interleaved power: LANES energies (then dB values) per band */
  double *energy = power + LANES * (size_t)nb;
  for (int f = 0; f < count; f += LANES) {
    int n = count - f < LANES ? count - f : LANES;
    /* power interleaved by frame: power[LANES·k + j] is frame f + j's bin k (zeros past the last frame) */
    for (int j = 0; j < LANES; j++) {
      if (j < n) power_of(spec + (size_t)(f + j) * nFft, nFft, power + j, LANES);
      else for (int k = 0; k < nb; k++) power[LANES * k + j] = 0.0;
    }
    for (int m = 0; m < nMels; m++) {
      v128_t e0 = wasm_f64x2_splat(0.0), e1 = e0, e2 = e0, e3 = e0;
      const double *w = weights + offsets[m];
      const double *p = power + LANES * (size_t)bins[m];
      for (int i = 0, c = counts[m]; i < c; i++) {
        v128_t wi = wasm_f64x2_splat(w[i]);
        const double *pi = p + LANES * i;
        e0 = wasm_f64x2_add(e0, wasm_f64x2_mul(wi, wasm_v128_load(pi)));
        e1 = wasm_f64x2_add(e1, wasm_f64x2_mul(wi, wasm_v128_load(pi + 2)));
        e2 = wasm_f64x2_add(e2, wasm_f64x2_mul(wi, wasm_v128_load(pi + 4)));
        e3 = wasm_f64x2_add(e3, wasm_f64x2_mul(wi, wasm_v128_load(pi + 6)));
      }
      double *e = energy + LANES * m;
      wasm_v128_store(e, e0);
      wasm_v128_store(e + 2, e1);
      wasm_v128_store(e + 4, e2);
      wasm_v128_store(e + 6, e3);
    }
    v128_t ten = wasm_f64x2_splat(10.0), floor = wasm_f64x2_splat(1e-10);
    for (int q = 0; q < LANES * nMels; q += 8) {
      v128_t v0 = wasm_f64x2_mul(ten, log10_pos2(wasm_f64x2_add(wasm_v128_load(energy + q), floor)));
      v128_t v1 = wasm_f64x2_mul(ten, log10_pos2(wasm_f64x2_add(wasm_v128_load(energy + q + 2), floor)));
      v128_t v2 = wasm_f64x2_mul(ten, log10_pos2(wasm_f64x2_add(wasm_v128_load(energy + q + 4), floor)));
      v128_t v3 = wasm_f64x2_mul(ten, log10_pos2(wasm_f64x2_add(wasm_v128_load(energy + q + 6), floor)));
      wasm_v128_store(energy + q, v0);
      wasm_v128_store(energy + q + 2, v1);
      wasm_v128_store(energy + q + 4, v2);
      wasm_v128_store(energy + q + 6, v3);
    }
    for (int j = 0; j < n; j++) {
      float *row = db + (size_t)(f + j) * nMels;
      for (int m = 0; m < nMels; m++) {
        double v = energy[LANES * m + j];
        row[m] = (float)v;
        if (v > maxDb) maxDb = v;
      }
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
    int k = 0;
    /* ten coefficients (five independent sums of two) per pass over the inputs */
    for (; k + 10 <= nOut; k += 10) {
      v128_t a0 = wasm_f64x2_splat(0.0), a1 = a0, a2 = a0, a3 = a0, a4 = a0;
      const double *c = dctT + k;
      for (int i = 0; i < nIn; i++) {
        v128_t xi = wasm_f64x2_splat((double)row[i]);
        const double *ci = c + (size_t)i * nOut;
        a0 = wasm_f64x2_add(a0, wasm_f64x2_mul(wasm_v128_load(ci), xi));
        a1 = wasm_f64x2_add(a1, wasm_f64x2_mul(wasm_v128_load(ci + 2), xi));
        a2 = wasm_f64x2_add(a2, wasm_f64x2_mul(wasm_v128_load(ci + 4), xi));
        a3 = wasm_f64x2_add(a3, wasm_f64x2_mul(wasm_v128_load(ci + 6), xi));
        a4 = wasm_f64x2_add(a4, wasm_f64x2_mul(wasm_v128_load(ci + 8), xi));
      }
      v128_t acc[5] = { a0, a1, a2, a3, a4 };
      for (int q = 0; q < 5; q++) {
        o[k + 2 * q] = (float)wasm_f64x2_extract_lane(acc[q], 0);
        o[k + 2 * q + 1] = (float)wasm_f64x2_extract_lane(acc[q], 1);
      }
    }
    for (; k < nOut; k += 2) {
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

/*
 * log(1 + γ·10^(d/10)) from onset.ts's CompressionTable: nodes every 1/32 dB from lo, each (f, f′, f″/2); the value
 * at d is the Taylor step from the nearest node, exactly as CompressionTable.row computes it. *bad is set when
 * d falls outside [lo, hi] (the JavaScript then computes that case itself).
 */
static inline double compress_at(const double *table, double lo, double hi, double d, int *bad) {
  if (!(d >= lo && d <= hi)) { *bad = 1; return 0; }
  int i = (int)__builtin_floor((d - lo) * 32 + 0.5);
  double y = d - (lo + i * (1.0 / 32));
  const double *c = table + 3 * i;
  return c[0] + y * (c[1] + y * c[2]);
}

/* Mean of x[first[g]] … x[first[g] + count[g] − 1] for each band g (0 for an empty band), as float32 into out. */
static inline void band_means(const float *x, const int *first, const int *count, int nb, float *out) {
  for (int g = 0; g < nb; g++) {
    double s = 0;
    int n = count[g];
    for (int m = first[g], e = first[g] + n; m < e; m++) s += x[m];
    out[g] = n ? (float)(s / n) : 0.0f;
  }
}

/* out[m] = max(0, (float)((double)a[m] − (double)b[m])) for m < n: a half-wave rectified rise, four at a time. */
static inline void rectified_rise(const float *a, const float *b, float *out, int n) {
  int m = 0;
  v128_t zero = wasm_f32x4_splat(0.0f);
  for (; m + 4 <= n; m += 4) {
    v128_t x = wasm_v128_load(a + m), y = wasm_v128_load(b + m);
    v128_t lo = wasm_f64x2_sub(wasm_f64x2_promote_low_f32x4(x), wasm_f64x2_promote_low_f32x4(y));
    v128_t hi = wasm_f64x2_sub(wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(x, x, 2, 3, 0, 1)),
                               wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(y, y, 2, 3, 0, 1)));
    v128_t d = wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(lo), wasm_f32x4_demote_f64x2_zero(hi), 0, 1, 4, 5);
    /* pmax(0, d) = d where d > 0, else +0: what (d > 0 ? (float)d : 0) gives */
    wasm_v128_store(out + m, wasm_f32x4_pmax(zero, d));
  }
  for (; m < n; m++) {
    double d = (double)a[m] - (double)b[m];
    out[m] = d > 0 ? (float)d : 0.0f;
  }
}

/*
 * onset.ts's onsetEnvelopes for rows [t0, t0 + rows) of a dB spectrogram (db points at row t0): each row
 * compressed against `level` (float32), its rise over the previous row (prev: the compressed row t0 − 1, updated),
 * half-wave rectified, averaged per band into out (rows × nb, row-major; row 0 of the track gives zeros).
 * Returns 1 if a value fell outside the table.
 */
EXPORT("onset_rows")
int onset_rows(const float *db, int t0, int rows, int nMels, double level, const double *table, double lo, double hi,
               const int *first, const int *count, int nb, float *prev, float *cur, float *flux, float *out) {
  int bad = 0;
  for (int r = 0; r < rows; r++) {
    const float *x = db + (size_t)r * nMels;
    for (int m = 0; m < nMels; m++) cur[m] = (float)compress_at(table, lo, hi, (double)x[m] - level, &bad);
    float *o = out + (size_t)r * nb;
    if (t0 + r == 0) {
      for (int g = 0; g < nb; g++) o[g] = 0.0f;
    } else {
      rectified_rise(cur, prev, flux, nMels);
      band_means(flux, first, count, nb, o);
    }
    for (int m = 0; m < nMels; m++) prev[m] = cur[m];
  }
  return bad;
}

/* Per column of rows × nMels dB values: the running minimum and maximum (float64, updated). */
EXPORT("column_range")
void column_range(const float *db, int rows, int nMels, double *lo, double *hi) {
  for (int r = 0; r < rows; r++) {
    const float *x = db + (size_t)r * nMels;
    for (int m = 0; m < nMels; m++) {
      double v = x[m];
      if (v < lo[m]) lo[m] = v;
      if (v > hi[m]) hi[m] = v;
    }
  }
}

/* Per column, counts[m·stride + floor((v − lo[m])·scale[m])]++ for columns with bins[m] > 0. */
EXPORT("column_histogram")
void column_histogram(const float *db, int rows, int nMels, const double *lo, const double *scale, const int *bins,
                      unsigned *counts, int stride) {
  for (int r = 0; r < rows; r++) {
    const float *x = db + (size_t)r * nMels;
    for (int m = 0; m < nMels; m++) {
      if (bins[m]) counts[(size_t)m * stride + (int)__builtin_floor(((double)x[m] - lo[m]) * scale[m])]++;
    }
  }
}

/*
 * onset.ts's whitenedEnvelopes for rows [t0, t0 + rows): each row compressed against its columns' reference levels
 * (float32, into the ring of depth rows: row t at (t % depth)·nMels), its rise above the maximum of the previous
 * depth − 1 rows (as far back as the track goes), half-wave rectified, averaged per band into out (rows × nb).
 * Returns 1 if a value fell outside the table.
 */
EXPORT("whitened_rows")
int whitened_rows(const float *db, int t0, int rows, int nMels, const double *ref, const double *table, double lo,
                  double hi, float *ring, int depth, const int *first, const int *count, int nb, float *rise, float *out) {
  int bad = 0;
  int recent = depth - 1;
  for (int r = 0; r < rows; r++) {
    int t = t0 + r;
    const float *x = db + (size_t)r * nMels;
    float *now = ring + (size_t)(t % depth) * nMels;
    for (int m = 0; m < nMels; m++) now[m] = (float)compress_at(table, lo, hi, (double)x[m] - ref[m], &bad);
    float *o = out + (size_t)r * nb;
    if (t == 0) {
      for (int g = 0; g < nb; g++) o[g] = 0.0f;
      continue;
    }
    int reach = t < recent ? t : recent;
    const float *back[16];
    for (int d = 1; d <= reach; d++) back[d - 1] = ring + (size_t)((t - d) % depth) * nMels;
    /* rise holds the recent maximum first: (v < b ? b : v) is f32x4.pmax(v, b) */
    int m = 0;
    for (; m + 4 <= nMels; m += 4) {
      v128_t v = wasm_v128_load(back[0] + m);
      for (int d = 1; d < reach; d++) v = wasm_f32x4_pmax(v, wasm_v128_load(back[d] + m));
      wasm_v128_store(rise + m, v);
    }
    for (; m < nMels; m++) {
      float v = back[0][m];
      for (int d = 1; d < reach; d++) if (back[d][m] > v) v = back[d][m];
      rise[m] = v;
    }
    rectified_rise(now, rise, rise, nMels);
    band_means(rise, first, count, nb, o);
  }
  return bad;
}

/*
 * In-place complex FFT of M points (M a power of two; interleaved re, im), radix 2, decimation in time. tw holds,
 * for the N = 2M point real transform it serves, 4 doubles per k < N/2: cos(2πk/N), −sin(2πk/N) and the same
 * rotated (sin(2πk/N), cos(2πk/N)), so a twiddle product is two multiplies and an add per lane pair.
 */
static void complex_fft(double *z, int M, const double *tw, int N) {
  for (int i = 1, j = 0; i < M; i++) {
    int bit = M >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      v128_t t = wasm_v128_load(z + 2 * i);
      wasm_v128_store(z + 2 * i, wasm_v128_load(z + 2 * j));
      wasm_v128_store(z + 2 * j, t);
    }
  }
  for (int L = 2; L <= M; L <<= 1) {
    int half = L >> 1;
    int step = N / L;
    if (half >= 16) {
      /* Long butterflies: walk each group's two halves in order (the data stays in cache; the same sums). */
      for (int k0 = 0; k0 < M; k0 += L) {
        double *pa = z + 2 * k0;
        double *pb = z + 2 * (k0 + half);
        const double *t = tw;
        for (int j = 0; j < half; j++, t += 4 * (size_t)step) {
          v128_t w = wasm_v128_load(t);
          v128_t wr = wasm_v128_load(t + 2);
          v128_t a = wasm_v128_load(pa + 2 * j);
          v128_t b = wasm_v128_load(pb + 2 * j);
          v128_t p = wasm_f64x2_add(wasm_f64x2_mul(wasm_f64x2_splat(wasm_f64x2_extract_lane(b, 0)), w),
                                    wasm_f64x2_mul(wasm_f64x2_splat(wasm_f64x2_extract_lane(b, 1)), wr));
          wasm_v128_store(pa + 2 * j, wasm_f64x2_add(a, p));
          wasm_v128_store(pb + 2 * j, wasm_f64x2_sub(a, p));
        }
      }
      continue;
    }
    for (int j = 0; j < half; j++) {
      v128_t w = wasm_v128_load(tw + 4 * (size_t)j * step);
      v128_t wr = wasm_v128_load(tw + 4 * (size_t)j * step + 2);
      for (int k = j; k < M; k += L) {
        double *pa = z + 2 * k;
        double *pb = z + 2 * (k + half);
        v128_t a = wasm_v128_load(pa);
        v128_t b = wasm_v128_load(pb);
        v128_t p = wasm_f64x2_add(wasm_f64x2_mul(wasm_f64x2_splat(wasm_f64x2_extract_lane(b, 0)), w),
                                  wasm_f64x2_mul(wasm_f64x2_splat(wasm_f64x2_extract_lane(b, 1)), wr));
        wasm_v128_store(pa, wasm_f64x2_add(a, p));
        wasm_v128_store(pb, wasm_f64x2_sub(a, p));
      }
    }
  }
}

/*
 * X[k] for k = 0 … M of the real N-point sequence whose even and odd samples were packed into z (re, im) and
 * transformed by complex_fft: E = (Z[k] + conj Z[M−k]) / 2, O = (Z[k] − conj Z[M−k]) / 2i, X[k] = E + W^k·O.
 * Only |X[k]|² (power) or Re X[k] (re) are written, whichever is not null.
 */
static void real_spectrum(const double *z, int M, const double *tw, double *power, double *re, int upTo) {
  for (int k = 0; k <= upTo; k++) {
    int a = k == M ? 0 : k, b = k == 0 ? 0 : M - k; /* k mod M and (M − k) mod M, for 0 ≤ k ≤ M */
    double zr = z[2 * a], zi = z[2 * a + 1], cr = z[2 * b], ci = -z[2 * b + 1];
    double er = 0.5 * (zr + cr), ei = 0.5 * (zi + ci);
    /* (Z − conj Z') / 2i = (di, −dr) / 2 with d = Z − conj Z' */
    double orr = 0.5 * (zi - ci), oi = -0.5 * (zr - cr);
    double xr, xi;
    if (k == M) {
      xr = er - orr;
      xi = ei - oi;
    } else {
      double wc = tw[4 * k], ws = tw[4 * k + 1];
      xr = er + (orr * wc - oi * ws);
      xi = ei + (orr * ws + oi * wc);
    }
    if (power) power[k] = xr * xr + xi * xi;
    if (re) re[k] = xr;
  }
}

/*
 * Σ_i x[i]·x[i + lag] for lag = 0 … maxLag of n float32 samples, through the power spectrum of a zero-padded
 * N-point real FFT (N ≥ n + maxLag + 1, a power of two; tw as for complex_fft): float64 throughout. work holds
 * 2N + N/2 + 1 doubles.
 */
EXPORT("lag_products")
void lag_products(const float *x, int n, int maxLag, int N, const double *tw, double *work, double *out) {
  int M = N / 2;
  double *z = work;
  double *power = work + N;
  for (int i = 0; i < n; i++) z[i] = x[i];
  for (int i = n; i < N; i++) z[i] = 0.0;
  complex_fft(z, M, tw, N);
  real_spectrum(z, M, tw, power, 0, M);
  /* The power spectrum is real and even: P[N − k] = P[k]. Its forward transform is N × the lag products. */
  for (int i = 0; i <= M; i++) z[i] = power[i];
  for (int i = M + 1; i < N; i++) z[i] = power[N - i];
  complex_fft(z, M, tw, N);
  real_spectrum(z, M, tw, 0, out, maxLag < M ? maxLag : M);
  for (int lag = 0; lag <= maxLag; lag++) out[lag] = lag <= M ? out[lag] / N : 0.0;
}

/*
 * Dot products of q with items stored four to a block (block b holds items 4b … 4b + 3 as dim × 4 floats, item
 * 4b + l's value j at x4[(b·dim + j)·4 + l]): each lane sums q[j]·x[j] in float32, in order of j, as annoylib's
 * dot() does, so the sums are the ones Annoy computes. Four blocks at a time keep four chains in flight.
 */
EXPORT("dots_by_four")
void dots_by_four(const float *x4, int blocks, int dim, const float *q, float *out) {
  int b = 0;
  for (; b + 4 <= blocks; b += 4) {
    const float *p0 = x4 + (size_t)b * dim * 4;
    const float *p1 = p0 + (size_t)dim * 4, *p2 = p1 + (size_t)dim * 4, *p3 = p2 + (size_t)dim * 4;
    v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
    for (int j = 0; j < dim; j++) {
      v128_t qj = wasm_f32x4_splat(q[j]);
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(qj, wasm_v128_load(p0 + 4 * j)));
      a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(qj, wasm_v128_load(p1 + 4 * j)));
      a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(qj, wasm_v128_load(p2 + 4 * j)));
      a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(qj, wasm_v128_load(p3 + 4 * j)));
    }
    wasm_v128_store(out + 4 * b, a0);
    wasm_v128_store(out + 4 * b + 4, a1);
    wasm_v128_store(out + 4 * b + 8, a2);
    wasm_v128_store(out + 4 * b + 12, a3);
  }
  for (; b < blocks; b++) {
    const float *p = x4 + (size_t)b * dim * 4;
    v128_t a = wasm_f32x4_splat(0.0f);
    for (int j = 0; j < dim; j++) a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_f32x4_splat(q[j]), wasm_v128_load(p + 4 * j)));
    wasm_v128_store(out + 4 * b, a);
  }
}

/*
 * onset.ts's highPass: x minus its centred moving average over 2·half + 1 frames (clipped at the ends), from float64
 * prefix sums (prefix: n + 1 doubles of scratch), stored as float32.
 */
static void high_pass_into(const float *x, int n, int half, double *prefix, float *out) {
  prefix[0] = 0;
  for (int i = 0; i < n; i++) prefix[i + 1] = prefix[i] + x[i];
  for (int i = 0; i < n; i++) {
    int a = i - half > 0 ? i - half : 0;
    int b = i + half + 1 < n ? i + half + 1 : n;
    out[i] = (float)((double)x[i] - (prefix[b] - prefix[a]) / (b - a));
  }
}

EXPORT("high_pass")
void high_pass(const float *x, int n, int half, double *prefix, float *out) { high_pass_into(x, n, half, prefix, out); }

/*
 * onset.ts's balancedSum of nb bands of n frames (band g at bands + g·n): each band divided by the RMS of its
 * high-passed self (bands whose RMS is at most 1e-9 left out), summed in band order into out (float32 at each
 * step). scratch: n floats; prefix: n + 1 doubles.
 */
EXPORT("balanced_sum")
void balanced_sum(const float *bands, int nb, int n, int half, float *scratch, double *prefix, float *out) {
  for (int i = 0; i < n; i++) out[i] = 0.0f;
  for (int g = 0; g < nb; g++) {
    const float *b = bands + (size_t)g * n;
    high_pass_into(b, n, half, prefix, scratch);
    double s = 0;
    for (int i = 0; i < n; i++) s += (double)scratch[i] * (double)scratch[i];
    double rms = __builtin_sqrt(s / (n > 1 ? n : 1));
    if (rms <= 1e-9) continue;
    for (int i = 0; i < n; i++) out[i] = (float)((double)out[i] + (double)b[i] / rms);
  }
}

/*
 * tempo.ts's autocorrelation(smooth(highPass(x, 2·half + 1)), maxLag) in one call: the high-pass into hp, the
 * 1-2-3-2-1 smoothing into sm (both float32, as the JavaScript stores them), the lag products by the direct sum
 * or the FFT exactly as acf.ts's lagProducts chooses (N: the FFT size it would use; tw its twiddles), then each
 * lag divided by its overlap and by lag 0, into r (maxLag + 1 float32). work: 2N + N/2 + 1 doubles (also the
 * high-pass's prefix sums); sums: N doubles.
 */
EXPORT("tempo_acf")
void tempo_acf(const float *x, int n, int half, int maxLag, int N, const double *tw, double *work, double *sums,
               float *hp, float *sm, float *r) {
  /* r may be x: x is read only by the high-pass, and r is written only after it */
  high_pass_into(x, n, half, work, hp);
  static const double k[5] = { 1, 2, 3, 2, 1 };
  for (int i = 0; i < n; i++) {
    if (i >= 2 && i < n - 2) {
      sm[i] = (float)(((((double)hp[i - 2] + (double)hp[i - 1] * 2) + (double)hp[i] * 3) + (double)hp[i + 1] * 2 + (double)hp[i + 2]) / 9);
    } else {
      double s = 0, w = 0;
      for (int j = -2; j <= 2; j++) {
        if (i + j >= 0 && i + j < n) {
          s += (double)hp[i + j] * k[j + 2];
          w += k[j + 2];
        }
      }
      sm[i] = (float)(s / w);
    }
  }
  int L = maxLag < n - 1 ? maxLag : n - 1;
  for (int lag = 0; lag <= maxLag; lag++) r[lag] = 0.0f;
  if (L < 0) return;
  int size = 16;
  while (size < n + L + 1) size *= 2;
  int lg = 0;
  while ((1 << lg) < size) lg++;
  if ((double)n * (L + 1) <= 3.0 * size * lg) {
    for (int lag = 0; lag <= L; lag++) {
      double s = 0;
      for (int i = 0; i + lag < n; i++) s += (double)sm[i] * (double)sm[i + lag];
      sums[lag] = s;
    }
  } else {
    lag_products(sm, n, L, N, tw, work, sums);
  }
  double r0 = sums[0] / n;
  if (r0 <= 0) return;
  for (int lag = 0; lag <= L; lag++) r[lag] = (float)(sums[lag] / (n - lag) / r0);
}

/*
 * Squared distances of n float32 vectors (dim each, row-major in x) to k centres given two to a block (block b
 * holds centres 2b and 2b + 1 as dim × 2 doubles: centre 2b + l's value j at c2[(b·dim + j)·2 + l], a float32
 * value), into out[i·k + j]: each lane sums (x − c)² in float64 in order of the dimensions, as cluster.ts's
 * dist2 does, so the same numbers. An odd k leaves the last block's second lane unused.
 */
EXPORT("sq_distances")
void sq_distances(const float *x, int n, int dim, const double *c2, int k, double *out) {
  int blocks = (k + 1) / 2;
  for (int i = 0; i < n; i++) {
    const float *v = x + (size_t)i * dim;
    int b = 0;
    /* three blocks side by side: independent sums, each in order */
    for (; b + 3 <= blocks; b += 3) {
      const double *c0 = c2 + (size_t)b * dim * 2, *c1 = c0 + (size_t)dim * 2, *c3 = c1 + (size_t)dim * 2;
      v128_t a0 = wasm_f64x2_splat(0.0), a1 = a0, a2 = a0;
      for (int j = 0; j < dim; j++) {
        v128_t vj = wasm_f64x2_splat((double)v[j]);
        v128_t d0 = wasm_f64x2_sub(vj, wasm_v128_load(c0 + 2 * j));
        v128_t d1 = wasm_f64x2_sub(vj, wasm_v128_load(c1 + 2 * j));
        v128_t d2 = wasm_f64x2_sub(vj, wasm_v128_load(c3 + 2 * j));
        a0 = wasm_f64x2_add(a0, wasm_f64x2_mul(d0, d0));
        a1 = wasm_f64x2_add(a1, wasm_f64x2_mul(d1, d1));
        a2 = wasm_f64x2_add(a2, wasm_f64x2_mul(d2, d2));
      }
      v128_t acc[3] = { a0, a1, a2 };
      for (int q = 0; q < 3; q++) {
        int j0 = 2 * (b + q);
        out[(size_t)i * k + j0] = wasm_f64x2_extract_lane(acc[q], 0);
        if (j0 + 1 < k) out[(size_t)i * k + j0 + 1] = wasm_f64x2_extract_lane(acc[q], 1);
      }
    }
    for (; b < blocks; b++) {
      const double *c = c2 + (size_t)b * dim * 2;
      v128_t acc = wasm_f64x2_splat(0.0);
      for (int j = 0; j < dim; j++) {
        v128_t d = wasm_f64x2_sub(wasm_f64x2_splat((double)v[j]), wasm_v128_load(c + 2 * j));
        acc = wasm_f64x2_add(acc, wasm_f64x2_mul(d, d));
      }
      out[(size_t)i * k + 2 * b] = wasm_f64x2_extract_lane(acc, 0);
      if (2 * b + 1 < k) out[(size_t)i * k + 2 * b + 1] = wasm_f64x2_extract_lane(acc, 1);
    }
  }
}

/*
 * cluster.ts's centre update: each centre with members becomes their mean, accumulated as the JavaScript does
 * (start at 0, add each member's value divided by the member count in member order, rounding to float32 at each
 * step); a centre without members stays. Centres are in sq_distances' layout (c2), as doubles of float32 values.
 */
EXPORT("update_centres")
void update_centres(const float *x, int n, int dim, const int *assign, int k, double *c2) {
  for (int j = 0; j < k; j++) {
    int members = 0;
    for (int i = 0; i < n; i++) members += assign[i] == j;
    if (!members) continue;
    double *c = c2 + (size_t)(j / 2) * dim * 2 + (j % 2);
    for (int d = 0; d < dim; d++) c[2 * d] = 0.0;
    for (int i = 0; i < n; i++) {
      if (assign[i] != j) continue;
      const float *v = x + (size_t)i * dim;
      for (int d = 0; d < dim; d++) c[2 * d] = (double)(float)(c[2 * d] + (double)v[d] / members);
    }
  }
}
