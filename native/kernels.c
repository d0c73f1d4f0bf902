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

// ---------------------------------------------------------------------------------------
// Compare metrics over two float32 chunks (metrics.ts accumulate + countExponents).
// st[0..7] in: atol, rtol, shift_ref, shift_cand, max_abs, max_idx, max_rel, base index.
// st[4..6] out: max_abs, max_idx (base + k), max_rel as continued from the values passed in.
// st[8..] out (this chunk only): see the M_* slots.
enum {
  M_BOTH = 8, M_SUM_ABS, M_SUM_SQ, M_SUM_R2, M_SUM_C2, M_DOT, M_MISMATCH, M_NAN_R, M_NAN_C, M_INF_R, M_INF_C,
  M_CNT_R, M_MIN_R, M_MAX_R, M_S_R, M_S_R2, M_CNT_C, M_MIN_C, M_MAX_C, M_S_C, M_S_C2, M_SLOTS
};
#define REL_EPS 1e-12
// Vector partial sums are folded into the chunk totals every BLOCK elements (pairwise-like:
// error grows with BLOCK + n / BLOCK instead of n).
#define BLOCK 4096

typedef struct {
  double sumAbs, sumSq, sumR2, sumC2, dot, sR, sR2, sC, sC2;
} Sums;

static inline double hsum(v128_t v) { return wasm_f64x2_extract_lane(v, 0) + wasm_f64x2_extract_lane(v, 1); }

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

static inline uint32_t expSlot(float f) {
  uint32_t b = __builtin_bit_cast(uint32_t, f);
  return (b >> 23) | (((b - 1) >> 31) << 8);
}

EXPORT void metrics_f32(const float *R, const float *C, float *out, uint32_t *hist, uint32_t n, double *st) {
  const double atol = st[0], rtol = st[1], shR = st[2], shC = st[3], base = st[7];
  double maxAbs = st[4], maxIdx = st[5], maxRel = st[6];
  Sums tot = {0}, slow = {0};
  double both = 0, mismatch = 0, nanR = 0, nanC = 0, infR = 0, infC = 0, cntR = 0, cntC = 0;
  float minR = __builtin_inff(), maxR = -__builtin_inff(), minC = __builtin_inff(), maxC = -__builtin_inff();
  const v128_t vAtol = wasm_f64x2_splat(atol), vRtol = wasm_f64x2_splat(rtol), vEps = wasm_f64x2_splat(REL_EPS);
  const v128_t vShR = wasm_f64x2_splat(shR), vShC = wasm_f64x2_splat(shC), zero4 = wasm_f32x4_splat(0.0f);
  v128_t vMinR = wasm_f32x4_splat(minR), vMaxR = wasm_f32x4_splat(maxR), vMinC = vMinR, vMaxC = vMaxR;
  v128_t vMis = wasm_i64x2_splat(0);
  uint32_t k = 0;
  while (k < n) {
    const uint32_t end = n - k > BLOCK ? k + BLOCK : n;
    v128_t sAbs = wasm_f64x2_splat(0), sSq = sAbs, sR2 = sAbs, sC2 = sAbs, sDot = sAbs, sR = sAbs, sRR = sAbs, sC = sAbs, sCC = sAbs;
    double blockBoth = 0;
    while (k < end) {
      // The last n mod 4 elements, and groups of four holding a NaN or ±Inf: element by
      // element, as in metrics.ts.
      const int tail = end - k < 4;
      const v128_t r4 = tail ? zero4 : wasm_v128_load(R + k), c4 = tail ? zero4 : wasm_v128_load(C + k);
      const v128_t fin = wasm_f32x4_eq(wasm_f32x4_add(wasm_f32x4_sub(r4, r4), wasm_f32x4_sub(c4, c4)), zero4);
      if (tail || !wasm_i32x4_all_true(fin)) {
        const uint32_t lim = tail ? end : k + 4;
        for (uint32_t j = k; j < lim; j++) {
          const double r = R[j], c = C[j];
          if ((r - r) + (c - c) == 0) {
            const double d = c - r, ad = __builtin_fabs(d), ar = __builtin_fabs(r);
            slow.sumAbs += ad;
            slow.sumSq += d * d;
            if (ad > maxAbs) { maxAbs = ad; maxIdx = base + j; }
            const double den = ar > REL_EPS ? ar : REL_EPS;
            if (ad > maxRel * den) maxRel = ad / den;
            if (ad > atol + rtol * ar) mismatch++;
            slow.sumR2 += r * r;
            slow.sumC2 += c * c;
            slow.dot += r * c;
            if (R[j] < minR) minR = R[j];
            if (R[j] > maxR) maxR = R[j];
            if (C[j] < minC) minC = C[j];
            if (C[j] > maxC) maxC = C[j];
            const double xr = r - shR, xc = c - shC;
            slow.sR += xr; slow.sR2 += xr * xr; slow.sC += xc; slow.sC2 += xc * xc;
            const float o = (float)ad;
            out[j] = o;
            hist[expSlot(o)]++;
            both++;
          } else {
            // equal infinities match; NaN matches NaN at the same position (equal_nan=True)
            if (c != r && (c == c || r == r)) mismatch++;
            if (r != r) nanR++;
            else if (r - r != 0) infR++;
            else {
              cntR++;
              if (R[j] < minR) minR = R[j];
              if (R[j] > maxR) maxR = R[j];
              const double xr = r - shR;
              slow.sR += xr; slow.sR2 += xr * xr;
            }
            if (c != c) nanC++;
            else if (c - c != 0) infC++;
            else {
              cntC++;
              if (C[j] < minC) minC = C[j];
              if (C[j] > maxC) maxC = C[j];
              const double xc = c - shC;
              slow.sC += xc; slow.sC2 += xc * xc;
            }
            out[j] = __builtin_nanf("");
            hist[255]++;
          }
        }
        k = lim;
        continue;
      }
      // |c − r| in float32 equals the float64 difference rounded to float32 (double rounding
      // is exact for one subtraction when 53 ≥ 2·24 + 2).
      const v128_t ad4 = wasm_f32x4_abs(wasm_f32x4_sub(c4, r4));
      wasm_v128_store(out + k, ad4);
      const v128_t bits = ad4;
      const v128_t slot = wasm_v128_or(wasm_u32x4_shr(bits, 23), wasm_i32x4_shl(wasm_u32x4_shr(wasm_i32x4_sub(bits, wasm_i32x4_splat(1)), 31), 8));
      // One table per lane: increments of one bin in a row would wait on each other.
      hist[wasm_u32x4_extract_lane(slot, 0)]++;
      hist[257 + wasm_u32x4_extract_lane(slot, 1)]++;
      hist[514 + wasm_u32x4_extract_lane(slot, 2)]++;
      hist[771 + wasm_u32x4_extract_lane(slot, 3)]++;
      vMinR = wasm_f32x4_pmin(vMinR, r4);
      vMaxR = wasm_f32x4_pmax(vMaxR, r4);
      vMinC = wasm_f32x4_pmin(vMinC, c4);
      vMaxC = wasm_f32x4_pmax(vMaxC, c4);
      const v128_t rh4 = wasm_i32x4_shuffle(r4, r4, 2, 3, 2, 3), ch4 = wasm_i32x4_shuffle(c4, c4, 2, 3, 2, 3);
      const v128_t rl = wasm_f64x2_promote_low_f32x4(r4), cl = wasm_f64x2_promote_low_f32x4(c4);
      const v128_t rh = wasm_f64x2_promote_low_f32x4(rh4), ch = wasm_f64x2_promote_low_f32x4(ch4);
      const v128_t dl = wasm_f64x2_sub(cl, rl), dh = wasm_f64x2_sub(ch, rh);
      const v128_t adl = wasm_f64x2_abs(dl), adh = wasm_f64x2_abs(dh);
      const v128_t arl = wasm_f64x2_abs(rl), arh = wasm_f64x2_abs(rh);
      const v128_t vMaxAbs = wasm_f64x2_splat(maxAbs), vMaxRel = wasm_f64x2_splat(maxRel);
      const v128_t denl = wasm_f64x2_pmax(arl, vEps), denh = wasm_f64x2_pmax(arh, vEps);
      const v128_t beat = wasm_v128_or(
          wasm_v128_or(wasm_f64x2_gt(adl, vMaxAbs), wasm_f64x2_gt(adh, vMaxAbs)),
          wasm_v128_or(wasm_f64x2_gt(adl, wasm_f64x2_mul(vMaxRel, denl)), wasm_f64x2_gt(adh, wasm_f64x2_mul(vMaxRel, denh))));
      if (wasm_v128_any_true(beat)) {
        for (uint32_t j = k; j < k + 4; j++) {
          const double r = R[j], ad = __builtin_fabs((double)C[j] - r), ar = __builtin_fabs(r);
          if (ad > maxAbs) { maxAbs = ad; maxIdx = base + j; }
          const double den = ar > REL_EPS ? ar : REL_EPS;
          if (ad > maxRel * den) maxRel = ad / den;
        }
      }
      vMis = wasm_i64x2_sub(vMis, wasm_f64x2_gt(adl, wasm_f64x2_add(vAtol, wasm_f64x2_mul(vRtol, arl))));
      vMis = wasm_i64x2_sub(vMis, wasm_f64x2_gt(adh, wasm_f64x2_add(vAtol, wasm_f64x2_mul(vRtol, arh))));
      sAbs = wasm_f64x2_add(sAbs, wasm_f64x2_add(adl, adh));
      sSq = wasm_f64x2_add(sSq, wasm_f64x2_add(wasm_f64x2_mul(dl, dl), wasm_f64x2_mul(dh, dh)));
      sR2 = wasm_f64x2_add(sR2, wasm_f64x2_add(wasm_f64x2_mul(rl, rl), wasm_f64x2_mul(rh, rh)));
      sC2 = wasm_f64x2_add(sC2, wasm_f64x2_add(wasm_f64x2_mul(cl, cl), wasm_f64x2_mul(ch, ch)));
      sDot = wasm_f64x2_add(sDot, wasm_f64x2_add(wasm_f64x2_mul(rl, cl), wasm_f64x2_mul(rh, ch)));
      const v128_t xrl = wasm_f64x2_sub(rl, vShR), xrh = wasm_f64x2_sub(rh, vShR);
      const v128_t xcl = wasm_f64x2_sub(cl, vShC), xch = wasm_f64x2_sub(ch, vShC);
      sR = wasm_f64x2_add(sR, wasm_f64x2_add(xrl, xrh));
      sRR = wasm_f64x2_add(sRR, wasm_f64x2_add(wasm_f64x2_mul(xrl, xrl), wasm_f64x2_mul(xrh, xrh)));
      sC = wasm_f64x2_add(sC, wasm_f64x2_add(xcl, xch));
      sCC = wasm_f64x2_add(sCC, wasm_f64x2_add(wasm_f64x2_mul(xcl, xcl), wasm_f64x2_mul(xch, xch)));
      blockBoth += 4;
      k += 4;
    }
    tot.sumAbs += hsum(sAbs); tot.sumSq += hsum(sSq); tot.sumR2 += hsum(sR2); tot.sumC2 += hsum(sC2); tot.dot += hsum(sDot);
    tot.sR += hsum(sR); tot.sR2 += hsum(sRR); tot.sC += hsum(sC); tot.sC2 += hsum(sCC);
    both += blockBoth;
  }
  mismatch += (double)(wasm_i64x2_extract_lane(vMis, 0) + wasm_i64x2_extract_lane(vMis, 1));
  minR = lowest(vMinR, minR);
  maxR = highest(vMaxR, maxR);
  minC = lowest(vMinC, minC);
  maxC = highest(vMaxC, maxC);
  st[4] = maxAbs; st[5] = maxIdx; st[6] = maxRel;
  st[M_BOTH] = both;
  st[M_SUM_ABS] = tot.sumAbs + slow.sumAbs;
  st[M_SUM_SQ] = tot.sumSq + slow.sumSq;
  st[M_SUM_R2] = tot.sumR2 + slow.sumR2;
  st[M_SUM_C2] = tot.sumC2 + slow.sumC2;
  st[M_DOT] = tot.dot + slow.dot;
  st[M_MISMATCH] = mismatch;
  st[M_NAN_R] = nanR; st[M_NAN_C] = nanC; st[M_INF_R] = infR; st[M_INF_C] = infC;
  st[M_CNT_R] = cntR; st[M_MIN_R] = minR; st[M_MAX_R] = maxR; st[M_S_R] = tot.sR + slow.sR; st[M_S_R2] = tot.sR2 + slow.sR2;
  st[M_CNT_C] = cntC; st[M_MIN_C] = minC; st[M_MAX_C] = maxC; st[M_S_C] = tot.sC + slow.sC; st[M_S_C2] = tot.sC2 + slow.sC2;
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
// k0..k5), a horizontal pass over every row into four planes (x, y, x² + y², xy; valid
// columns only), then a vertical pass and the SSIM map, summed over the valid pixels. Two
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

EXPORT double ssim_gauss_channel(const uint8_t *a, const uint8_t *b, uint32_t stride, uint32_t offset, uint32_t w, uint32_t h,
                                 double C1, double C2, double k0, double k1, double k2, double k3, double k4, double k5, double *hx,
                                 double *hy, double *hss, double *hxy, double *rx, double *ry, double *rss, double *rxy) {
  const uint32_t wv = w - 10, hv = h - 10;
  const v128_t K0 = wasm_f64x2_splat(k0), K1 = wasm_f64x2_splat(k1), K2 = wasm_f64x2_splat(k2);
  const v128_t K3 = wasm_f64x2_splat(k3), K4 = wasm_f64x2_splat(k4), K5 = wasm_f64x2_splat(k5);
  for (uint32_t y = 0; y < h; y++) {
    uint32_t p = y * w * stride + offset;
    for (uint32_t x = 0; x < w; x++, p += stride) {
      const double vx = a[p], vy = b[p];
      rx[x] = vx;
      ry[x] = vy;
      rss[x] = vx * vx + vy * vy;
      rxy[x] = vx * vy;
    }
    const uint32_t o = y * wv;
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
  }
  const v128_t two = wasm_f64x2_splat(2), vC1 = wasm_f64x2_splat(C1), vC2 = wasm_f64x2_splat(C2);
  double total = 0;
  for (uint32_t y = 0; y < hv; y++) {
    const uint32_t o0 = (y + 5) * wv;
    double rowSum = 0;
    uint32_t x = 0;
    for (; x + 2 <= wv; x += 2) {
      const uint32_t q = o0 + x;
      const v128_t mx = TAPS(hx, q, wv), my = TAPS(hy, q, wv), sss = TAPS(hss, q, wv), sxy = TAPS(hxy, q, wv);
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
      const uint32_t q = o0 + x;
      const double mx = STAPS(hx, q, wv), my = STAPS(hy, q, wv), sss = STAPS(hss, q, wv), sxy = STAPS(hxy, q, wv);
      const double mm = mx * mx + my * my, vsum = sss - mm, vxy = sxy - mx * my;
      rowSum += ((2 * mx * my + C1) * (2 * vxy + C2)) / ((mm + C1) * (vsum + C2));
    }
    total += rowSum;
  }
  return total / ((double)wv * (double)hv);
}
