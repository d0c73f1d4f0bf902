// WebAssembly SIMD kernels for the hot loops of the parity engine and the readers. Built by
// `npm run build` (scripts/build.mjs) with clang --target=wasm32 -msimd128 into
// dist/kernels.wasm; src/core/kernels/index.ts loads it. The TypeScript loops they replace
// (src/core/compare/metrics.ts, src/core/tensors/stats.ts, decode.ts) stay the reference and
// the fallback: every kernel here computes the same quantities with the same float64 operations;
// only the order of float64 additions may differ (see docs in src/core/kernels/index.ts).
// No libc: memory is one linear heap the loader manages from __heap_base.
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT __attribute__((visibility("default")))

extern unsigned char __heap_base;
EXPORT uintptr_t heap_base(void) { return (uintptr_t)&__heap_base; }

// The compare metric kernel is in native/metrics.c.

// Lane reductions (never take a vector's address: it would live in linear memory).
static inline float lowest(v128_t v, float m) {
  const float a = wasm_f32x4_extract_lane(v, 0), b = wasm_f32x4_extract_lane(v, 1), c = wasm_f32x4_extract_lane(v, 2), d = wasm_f32x4_extract_lane(v, 3);
  if (a < m) m = a;
  if (b < m) m = b;
  if (c < m) m = c;
  if (d < m) m = d;
  return m;
}

static inline float highest(v128_t v, float m) {
  const float a = wasm_f32x4_extract_lane(v, 0), b = wasm_f32x4_extract_lane(v, 1), c = wasm_f32x4_extract_lane(v, 2), d = wasm_f32x4_extract_lane(v, 3);
  if (a > m) m = a;
  if (b > m) m = b;
  if (c > m) m = c;
  if (d > m) m = d;
  return m;
}

// ---------------------------------------------------------------------------------------
// bfloat16 / float16 → float32.
EXPORT void bf16_to_f32(const uint16_t *src, uint32_t *dst, uint32_t n) {
  uint32_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const v128_t v = wasm_v128_load(src + i);
    wasm_v128_store(dst + i, wasm_i32x4_shl(wasm_u32x4_extend_low_u16x8(v), 16));
    wasm_v128_store(dst + i + 4, wasm_i32x4_shl(wasm_u32x4_extend_high_u16x8(v), 16));
  }
  for (; i < n; i++) dst[i] = (uint32_t)src[i] << 16;
}

// Exact for every half including subnormals; NaN payloads are kept (quiet bit as stored).
static inline v128_t half4(v128_t h) {
  const v128_t o0 = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x7fff)), 13);
  const v128_t e = wasm_v128_and(o0, wasm_i32x4_splat(0x0f800000));
  v128_t o = wasm_i32x4_add(o0, wasm_i32x4_splat((127 - 15) << 23));
  const v128_t isInf = wasm_i32x4_eq(e, wasm_i32x4_splat(0x0f800000));
  const v128_t isSub = wasm_i32x4_eq(e, wasm_i32x4_splat(0));
  o = wasm_i32x4_add(o, wasm_v128_and(isInf, wasm_i32x4_splat((128 - 16) << 23)));
  const v128_t sub = wasm_f32x4_sub(wasm_i32x4_add(o, wasm_i32x4_splat(1 << 23)), wasm_i32x4_splat(113 << 23));
  o = wasm_v128_bitselect(sub, o, isSub);
  return wasm_v128_or(o, wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x8000)), 16));
}

EXPORT void f16_to_f32(const uint16_t *src, uint32_t *dst, uint32_t n) {
  uint32_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const v128_t v = wasm_v128_load(src + i);
    wasm_v128_store(dst + i, half4(wasm_u32x4_extend_low_u16x8(v)));
    wasm_v128_store(dst + i + 4, half4(wasm_u32x4_extend_high_u16x8(v)));
  }
  for (; i < n; i++) dst[i] = wasm_u32x4_extract_lane(half4(wasm_i32x4_splat(src[i])), 0);
}

// ---------------------------------------------------------------------------------------
// Summary statistics (stats.ts; statsLanes.ts is the TypeScript reference of the same
// algorithm). Element g of a tensor adds d = x[g] − shift and d² to lane g mod 8 (finite values
// only; shift is NaN until the first finite value);
// every STATS_BLOCK elements of a global grid the 8 lanes are folded in a fixed order
// into a block sum, which is added to a double-double (TwoSum) running sum. So the result does
// not depend on how the tensor is cut into calls. Min/max are over non-NaN values (±Inf count).
// The state st[] (slots S_*) is kept by the caller between calls.
#define STATS_BLOCK 4096
enum { S_SHIFT = 0, S_L1 = 1, S_L2 = 9, S_D1 = 17, S_D2 = 19, S_MIN = 21, S_MAX = 22, S_NAN = 23, S_BAD = 24, S_POS = 25 };
enum { K_F32 = 0, K_BF16 = 1, K_F16 = 2 };

static inline void ddAdd(double *hl, double b) {
  const double s = hl[0] + b, bb = s - hl[0];
  hl[1] += (hl[0] - (s - bb)) + (b - bb);
  hl[0] = s;
}

static void statsFold(double *st) {
  double *a = st + S_L1, *q = st + S_L2;
  ddAdd(st + S_D1, ((a[0] + a[2]) + (a[4] + a[6])) + ((a[1] + a[3]) + (a[5] + a[7])));
  ddAdd(st + S_D2, ((q[0] + q[2]) + (q[4] + q[6])) + ((q[1] + q[3]) + (q[5] + q[7])));
  for (int j = 0; j < 8; j++) a[j] = q[j] = 0;
}

static inline float statsElem(const void *p, uint32_t i, int kind) {
  if (kind == K_F32) return ((const float *)p)[i];
  const uint32_t h = ((const uint16_t *)p)[i];
  if (kind == K_BF16) return __builtin_bit_cast(float, h << 16);
  return wasm_f32x4_extract_lane(half4(wasm_i32x4_splat(h)), 0);
}

// One element, element by element (chunk edges, and blocks holding a NaN or ±Inf).
static uint32_t statsOne(double *st, float v, uint32_t pos) {
  if (v < st[S_MIN]) st[S_MIN] = v;
  if (v > st[S_MAX]) st[S_MAX] = v;
  if (v - v != 0) {
    st[S_BAD] += 1;
    if (v != v) st[S_NAN] += 1;
  } else {
    const double d = (double)v - st[S_SHIFT];
    st[S_L1 + (pos & 7)] += d;
    st[S_L2 + (pos & 7)] += d * d;
  }
  if (++pos < STATS_BLOCK) return pos;
  statsFold(st);
  return 0;
}

// Eight elements as two float32x4 vectors.
#define STATS_LOAD8(p, i, kind, v, w)                                                         \
  if (kind == K_F32) {                                                                        \
    v = wasm_v128_load((const float *)(p) + (i));                                             \
    w = wasm_v128_load((const float *)(p) + (i) + 4);                                         \
  } else {                                                                                    \
    const v128_t h8 = wasm_v128_load((const uint16_t *)(p) + (i));                            \
    const v128_t lo16 = wasm_u32x4_extend_low_u16x8(h8), hi16 = wasm_u32x4_extend_high_u16x8(h8); \
    v = kind == K_BF16 ? wasm_i32x4_shl(lo16, 16) : half4(lo16);                              \
    w = kind == K_BF16 ? wasm_i32x4_shl(hi16, 16) : half4(hi16);                              \
  }

#define STATS_ACC(x, s1, s2)                 \
  {                                          \
    const v128_t d_ = wasm_f64x2_sub(x, vSh); \
    s1 = wasm_f64x2_add(s1, d_);             \
    s2 = wasm_f64x2_add(s2, wasm_f64x2_mul(d_, d_)); \
  }

// One whole block starting on the grid, all lanes zero. Returns 0, touching nothing but
// min/max, when the block holds a NaN or ±Inf (its sums are then not finite).
static inline __attribute__((always_inline)) int statsBlock(const void *p, uint32_t i0, int kind, double *st) {
  const v128_t vSh = wasm_f64x2_splat(st[S_SHIFT]);
  v128_t loV = wasm_f32x4_splat(__builtin_inff()), loW = loV, hiV = wasm_f32x4_splat(-__builtin_inff()), hiW = hiV;
  v128_t a1 = wasm_f64x2_splat(0), b1 = a1, c1 = a1, e1 = a1, a2 = a1, b2 = a1, c2 = a1, e2 = a1;
  for (uint32_t i = i0; i < i0 + STATS_BLOCK; i += 8) {
    v128_t v, w;
    STATS_LOAD8(p, i, kind, v, w);
    loV = wasm_f32x4_pmin(loV, v);
    hiV = wasm_f32x4_pmax(hiV, v);
    loW = wasm_f32x4_pmin(loW, w);
    hiW = wasm_f32x4_pmax(hiW, w);
    STATS_ACC(wasm_f64x2_promote_low_f32x4(v), a1, a2);
    STATS_ACC(wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 2, 3)), b1, b2);
    STATS_ACC(wasm_f64x2_promote_low_f32x4(w), c1, c2);
    STATS_ACC(wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(w, w, 2, 3, 2, 3)), e1, e2);
  }
  st[S_MIN] = lowest(wasm_f32x4_pmin(loV, loW), (float)st[S_MIN]);
  st[S_MAX] = highest(wasm_f32x4_pmax(hiV, hiW), (float)st[S_MAX]);
  const v128_t t = wasm_f64x2_add(wasm_f64x2_add(a2, b2), wasm_f64x2_add(c2, e2));
  const double check = wasm_f64x2_extract_lane(t, 0) + wasm_f64x2_extract_lane(t, 1);
  if (check - check != 0) return 0;
  double *l1 = st + S_L1, *l2 = st + S_L2;
  l1[0] = wasm_f64x2_extract_lane(a1, 0); l1[1] = wasm_f64x2_extract_lane(a1, 1);
  l1[2] = wasm_f64x2_extract_lane(b1, 0); l1[3] = wasm_f64x2_extract_lane(b1, 1);
  l1[4] = wasm_f64x2_extract_lane(c1, 0); l1[5] = wasm_f64x2_extract_lane(c1, 1);
  l1[6] = wasm_f64x2_extract_lane(e1, 0); l1[7] = wasm_f64x2_extract_lane(e1, 1);
  l2[0] = wasm_f64x2_extract_lane(a2, 0); l2[1] = wasm_f64x2_extract_lane(a2, 1);
  l2[2] = wasm_f64x2_extract_lane(b2, 0); l2[3] = wasm_f64x2_extract_lane(b2, 1);
  l2[4] = wasm_f64x2_extract_lane(c2, 0); l2[5] = wasm_f64x2_extract_lane(c2, 1);
  l2[6] = wasm_f64x2_extract_lane(e2, 0); l2[7] = wasm_f64x2_extract_lane(e2, 1);
  statsFold(st);
  return 1;
}

static inline __attribute__((always_inline)) void statsRun(const void *p, uint32_t n, int kind, double *st) {
  if (st[S_SHIFT] != st[S_SHIFT]) {
    for (uint32_t j = 0; j < n; j++) {
      const float v = statsElem(p, j, kind);
      if (v - v == 0) {
        st[S_SHIFT] = v;
        break;
      }
    }
  }
  uint32_t i = 0, pos = (uint32_t)st[S_POS];
  for (; i < n && pos != 0; i++) pos = statsOne(st, statsElem(p, i, kind), pos);
  for (; n - i >= STATS_BLOCK; i += STATS_BLOCK) {
    if (statsBlock(p, i, kind, st)) continue;
    for (uint32_t j = i; j < i + STATS_BLOCK; j++) pos = statsOne(st, statsElem(p, j, kind), pos);
  }
  for (; i < n; i++) pos = statsOne(st, statsElem(p, i, kind), pos);
  st[S_POS] = pos;
}

EXPORT void stats_f32(const float *x, uint32_t n, double *st) { statsRun(x, n, K_F32, st); }
EXPORT void stats_bf16(const uint16_t *x, uint32_t n, double *st) { statsRun(x, n, K_BF16, st); }
EXPORT void stats_f16(const uint16_t *x, uint32_t n, double *st) { statsRun(x, n, K_F16, st); }

// ---------------------------------------------------------------------------------------
// Gaussian SSIM of one channel (ssim.ts ssimChannel): an 11-tap symmetric kernel (taps
// k0..k5), a horizontal pass over every row into four maps (x, y, x² + y², xy; valid
// columns only; rings of the last 11 rows), then a vertical pass and the SSIM map, summed over the valid pixels. Two
// pixels per f64x2 vector with the same float64 operations in the same order as ssim.ts,
// and the row sum added lane by lane in pixel order: bit-exact with the TypeScript loop.
#define TAPS(v, c, d)                                                                                                     \
  wasm_f64x2_add(                                                                                                         \
      wasm_f64x2_add(                                                                                                     \
          wasm_f64x2_add(                                                                                                 \
              wasm_f64x2_add(wasm_f64x2_add(wasm_f64x2_mul(K0, LD(v, c)), wasm_f64x2_mul(K1, wasm_f64x2_add(LD(v, (c) - (d)), LD(v, (c) + (d))))), \
                             wasm_f64x2_mul(K2, wasm_f64x2_add(LD(v, (c) - 2 * (d)), LD(v, (c) + 2 * (d))))),         \
              wasm_f64x2_mul(K3, wasm_f64x2_add(LD(v, (c) - 3 * (d)), LD(v, (c) + 3 * (d))))),                        \
          wasm_f64x2_mul(K4, wasm_f64x2_add(LD(v, (c) - 4 * (d)), LD(v, (c) + 4 * (d))))),                            \
      wasm_f64x2_mul(K5, wasm_f64x2_add(LD(v, (c) - 5 * (d)), LD(v, (c) + 5 * (d)))))
#define LD(v, i) wasm_v128_load((v) + (i))
#define STAPS(v, c, d)                                                                                                    \
  (k0 * (v)[c] + k1 * ((v)[(c) - (d)] + (v)[(c) + (d)]) + k2 * ((v)[(c) - 2 * (d)] + (v)[(c) + 2 * (d)]) +                \
   k3 * ((v)[(c) - 3 * (d)] + (v)[(c) + 3 * (d)]) + k4 * ((v)[(c) - 4 * (d)] + (v)[(c) + 4 * (d)]) +                      \
   k5 * ((v)[(c) - 5 * (d)] + (v)[(c) + 5 * (d)]))

// The vertical taps over 11 rows r[0..10] of a horizontal map at column x (row 5 the centre),
// in TAPS' order.
#define VTAPS(r, x)                                                                                                       \
  wasm_f64x2_add(                                                                                                         \
      wasm_f64x2_add(                                                                                                     \
          wasm_f64x2_add(                                                                                                 \
              wasm_f64x2_add(wasm_f64x2_add(wasm_f64x2_mul(K0, LD(r[5], x)), wasm_f64x2_mul(K1, wasm_f64x2_add(LD(r[4], x), LD(r[6], x)))), \
                             wasm_f64x2_mul(K2, wasm_f64x2_add(LD(r[3], x), LD(r[7], x)))),                           \
              wasm_f64x2_mul(K3, wasm_f64x2_add(LD(r[2], x), LD(r[8], x)))),                                          \
          wasm_f64x2_mul(K4, wasm_f64x2_add(LD(r[1], x), LD(r[9], x)))),                                              \
      wasm_f64x2_mul(K5, wasm_f64x2_add(LD(r[0], x), LD(r[10], x))))
#define SVTAPS(r, x)                                                                                                      \
  (k0 * r[5][x] + k1 * (r[4][x] + r[6][x]) + k2 * (r[3][x] + r[7][x]) + k3 * (r[2][x] + r[8][x]) + k4 * (r[1][x] + r[9][x]) + \
   k5 * (r[0][x] + r[10][x]))

// hx, hy, hss, hxy: rings of 11 rows of w − 10 doubles each (the horizontal pass of the last 11
// image rows), so the working set stays in cache instead of four full planes.
EXPORT double ssim_gauss_channel(const uint8_t *a, const uint8_t *b, uint32_t stride, uint32_t offset, uint32_t w, uint32_t h,
                                 double C1, double C2, double k0, double k1, double k2, double k3, double k4, double k5, double *hx,
                                 double *hy, double *hss, double *hxy, double *rx, double *ry, double *rss, double *rxy) {
  const uint32_t wv = w - 10;
  const v128_t K0 = wasm_f64x2_splat(k0), K1 = wasm_f64x2_splat(k1), K2 = wasm_f64x2_splat(k2);
  const v128_t K3 = wasm_f64x2_splat(k3), K4 = wasm_f64x2_splat(k4), K5 = wasm_f64x2_splat(k5);
  const v128_t two = wasm_f64x2_splat(2), vC1 = wasm_f64x2_splat(C1), vC2 = wasm_f64x2_splat(C2);
  double total = 0;
  for (uint32_t y = 0; y < h; y++) {
    uint32_t p = y * w * stride + offset;
    for (uint32_t x = 0; x < w; x++, p += stride) {
      const double vx = a[p], vy = b[p];
      rx[x] = vx;
      ry[x] = vy;
      rss[x] = vx * vx + vy * vy;
      rxy[x] = vx * vy;
    }
    const uint32_t o = (y % 11) * wv;
    uint32_t x = 0;
    for (; x + 2 <= wv; x += 2) {
      const uint32_t c = x + 5;
      wasm_v128_store(hx + o + x, TAPS(rx, c, 1));
      wasm_v128_store(hy + o + x, TAPS(ry, c, 1));
      wasm_v128_store(hss + o + x, TAPS(rss, c, 1));
      wasm_v128_store(hxy + o + x, TAPS(rxy, c, 1));
    }
    for (; x < wv; x++) {
      const uint32_t c = x + 5;
      hx[o + x] = STAPS(rx, c, 1);
      hy[o + x] = STAPS(ry, c, 1);
      hss[o + x] = STAPS(rss, c, 1);
      hxy[o + x] = STAPS(rxy, c, 1);
    }
    if (y < 10) continue;
    // output row y − 10: horizontal rows y − 10 .. y
    const double *RX[11], *RY[11], *RS[11], *RP[11];
    for (uint32_t j = 0; j < 11; j++) {
      const uint32_t q = ((y - 10 + j) % 11) * wv;
      RX[j] = hx + q;
      RY[j] = hy + q;
      RS[j] = hss + q;
      RP[j] = hxy + q;
    }
    double rowSum = 0;
    x = 0;
    for (; x + 2 <= wv; x += 2) {
      const v128_t mx = VTAPS(RX, x), my = VTAPS(RY, x), sss = VTAPS(RS, x), sxy = VTAPS(RP, x);
      const v128_t mm = wasm_f64x2_add(wasm_f64x2_mul(mx, mx), wasm_f64x2_mul(my, my));
      const v128_t vsum = wasm_f64x2_sub(sss, mm);
      const v128_t vxy = wasm_f64x2_sub(sxy, wasm_f64x2_mul(mx, my));
      const v128_t num = wasm_f64x2_mul(wasm_f64x2_add(wasm_f64x2_mul(wasm_f64x2_mul(two, mx), my), vC1),
                                        wasm_f64x2_add(wasm_f64x2_mul(two, vxy), vC2));
      const v128_t den = wasm_f64x2_mul(wasm_f64x2_add(mm, vC1), wasm_f64x2_add(vsum, vC2));
      const v128_t s = wasm_f64x2_div(num, den);
      rowSum += wasm_f64x2_extract_lane(s, 0);
      rowSum += wasm_f64x2_extract_lane(s, 1);
    }
    for (; x < wv; x++) {
      const double mx = SVTAPS(RX, x), my = SVTAPS(RY, x), sss = SVTAPS(RS, x), sxy = SVTAPS(RP, x);
      const double mm = mx * mx + my * my, vsum = sss - mm, vxy = sxy - mx * my;
      rowSum += ((2 * mx * my + C1) * (2 * vxy + C2)) / ((mm + C1) * (vsum + C2));
    }
    total += rowSum;
  }
  return total / ((double)wv * (double)(h - 10));
}
