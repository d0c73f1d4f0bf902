// The compare engine's metric pass as one WebAssembly SIMD kernel (the twin of accumulate()
// and countExponents() in src/core/compare/metricsLoop.ts, which stay the reference and the
// fallback). Built with native/kernels.c into dist/kernels.wasm (scripts/build.mjs).
//
// Work goes in blocks of BLOCK elements on the tensor's own grid (block b holds elements
// [b·BLOCK, (b+1)·BLOCK) of the tensor), so a block's numbers depend only on its elements:
// - fast path (every value of the block finite, the usual case): one pass, four elements per
//   step, float64 sums in f64x2 lanes, counts in integer lanes, no branch on the data except
//   a rare one when an element may beat max_rel;
// - when the block holds a NaN or ±Inf (its shifted sums of squares are then not finite), the
//   block is done again element by element, as metricsLoop.ts does it.
// Each block's sums are then added EXACTLY into integer limbs (a fixed-point accumulator over
// the whole float64 range), so totals do not depend on how the tensor was sliced into calls
// or worker slices, as long as cuts fall on the block grid; the order of additions within a
// block (lanes, then the tail) is fixed, so a block's own rounding is the same every time.
// max_abs, its index (first one) and max_rel are exact, as are all counts.
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT __attribute__((visibility("default")))

#define BLOCK 4096
#define REL_EPS 1e-12
// 32-bit limbs (in int64 cells, so carries can wait) from 2^-1074 up past 2^1024.
#define LIMBS 66

// State slots (src/core/kernels/index.ts K): inputs, then this call's results.
enum { S_ATOL, S_RTOL, S_SHIFT_R, S_SHIFT_C, S_MAX_ABS, S_MAX_IDX, S_MAX_REL, S_BASE,
       S_BOTH, S_MISMATCH, S_NAN_R, S_NAN_C, S_INF_R, S_INF_C, S_CNT_R, S_MIN_R, S_MAX_R, S_CNT_C, S_MIN_C, S_MAX_C };
// The exact sums, LIMBS cells each (the acc argument).
enum { X_ABS, X_SQ, X_R2, X_C2, X_DOT, X_R, X_RR, X_C, X_CC, NSUMS };

typedef struct {
  double atol, rtol, shR, shC, maxAbs, maxIdx, maxRel, base;
  double both, mismatch, nanR, nanC, infR, infC, cntR, cntC;
  float minR, maxR, minC, maxC;
} Ctx;

// Adds v (finite) exactly: its 53-bit mantissa lands on at most three 32-bit limbs.
static void exact_add(int64_t *acc, double v) {
  const uint64_t b = __builtin_bit_cast(uint64_t, v);
  uint32_t e = (uint32_t)(b >> 52) & 0x7ff;
  uint64_t m = b & ((1ull << 52) - 1);
  if (m == 0 && e == 0) return;
  if (e) m |= 1ull << 52;
  else e = 1;
  const uint32_t p = e - 1, i = p >> 5, s = p & 31;
  const int64_t lo = (uint32_t)(m << s);
  const uint64_t rest = m >> (32 - s);
  const int64_t mid = (uint32_t)rest, hi = (int64_t)(rest >> 32);
  if (b >> 63) {
    acc[i] -= lo; acc[i + 1] -= mid; acc[i + 2] -= hi;
  } else {
    acc[i] += lo; acc[i + 1] += mid; acc[i + 2] += hi;
  }
}

static inline double hsum(v128_t v) { return wasm_f64x2_extract_lane(v, 0) + wasm_f64x2_extract_lane(v, 1); }

static inline int finite2(double r, double c) { return (r - r) + (c - c) == 0; }

// A side is float32 values or bfloat16 bit patterns (bf16 = 1), decoded here: a bfloat16 is
// the upper half of a float32.
#define ALWAYS static inline __attribute__((always_inline))
ALWAYS float at(const void *p, int bf16, uint32_t j) {
  return bf16 ? __builtin_bit_cast(float, (uint32_t)((const uint16_t *)p)[j] << 16) : ((const float *)p)[j];
}
ALWAYS v128_t at4(const void *p, int bf16, uint32_t j) {
  return bf16 ? wasm_i32x4_shl(wasm_u32x4_extend_low_u16x8(wasm_v128_load64_zero((const uint16_t *)p + j)), 16)
              : wasm_v128_load((const float *)p + j);
}
// Elements j + 2, j + 3 as float64 (v4 = the four at j).
ALWAYS v128_t high2(const void *p, int bf16, uint32_t j, v128_t v4) {
  return wasm_f64x2_promote_low_f32x4(bf16 ? wasm_i32x4_shuffle(v4, v4, 2, 3, 2, 3) : wasm_v128_load64_zero((const float *)p + j + 2));
}
#define SIDES const void *R, int kr, const void *C, int kc

// One element, exactly as metricsLoop.ts accumulate() (sums into the block's scalars s[]).
static void element(Ctx *x, SIDES, float *out, uint32_t j, double *s) {
  const float rf = at(R, kr, j), cf = at(C, kc, j);
  const double r = rf, c = cf;
  if (finite2(r, c)) {
    const double d = c - r, ad = __builtin_fabs(d), ar = __builtin_fabs(r);
    s[X_ABS] += ad;
    s[X_SQ] += d * d;
    if (ad > x->maxAbs) { x->maxAbs = ad; x->maxIdx = x->base + j; }
    const double den = ar > REL_EPS ? ar : REL_EPS;
    if (ad > x->maxRel * den) x->maxRel = ad / den;
    if (ad > x->atol + x->rtol * ar) x->mismatch++;
    s[X_R2] += r * r;
    s[X_C2] += c * c;
    s[X_DOT] += r * c;
    const double xr = r - x->shR, xc = c - x->shC;
    s[X_R] += xr; s[X_RR] += xr * xr; s[X_C] += xc; s[X_CC] += xc * xc;
    out[j] = (float)ad;
    x->both++;
    x->cntR++;
    x->cntC++;
    if (rf < x->minR) x->minR = rf;
    if (rf > x->maxR) x->maxR = rf;
    if (cf < x->minC) x->minC = cf;
    if (cf > x->maxC) x->maxC = cf;
    return;
  }
  // equal infinities match; NaN matches NaN at the same position (equal_nan=True)
  if (c != r && (c == c || r == r)) x->mismatch++;
  if (r != r) x->nanR++;
  else if (r - r != 0) x->infR++;
  else {
    x->cntR++;
    if (rf < x->minR) x->minR = rf;
    if (rf > x->maxR) x->maxR = rf;
    const double xr = r - x->shR;
    s[X_R] += xr; s[X_RR] += xr * xr;
  }
  if (c != c) x->nanC++;
  else if (c - c != 0) x->infC++;
  else {
    x->cntC++;
    if (cf < x->minC) x->minC = cf;
    if (cf > x->maxC) x->maxC = cf;
    const double xc = c - x->shC;
    s[X_C] += xc; s[X_CC] += xc * xc;
  }
  out[j] = __builtin_nanf("");
}

// A block holding NaN or ±Inf: element by element.
static void block_slow(Ctx *x, SIDES, float *out, uint32_t k, uint32_t end, double *s) {
  for (int i = 0; i < NSUMS; i++) s[i] = 0;
  for (uint32_t j = k; j < end; j++) element(x, R, kr, C, kc, out, j, s);
}

// Lane reductions (never take a vector's address: it would live in linear memory).
static inline float low4(v128_t v) {
  const float a = wasm_f32x4_extract_lane(v, 0), b = wasm_f32x4_extract_lane(v, 1), c = wasm_f32x4_extract_lane(v, 2), d = wasm_f32x4_extract_lane(v, 3);
  const float p = a < b ? a : b, q = c < d ? c : d;
  return p < q ? p : q;
}
static inline float high4(v128_t v) {
  const float a = wasm_f32x4_extract_lane(v, 0), b = wasm_f32x4_extract_lane(v, 1), c = wasm_f32x4_extract_lane(v, 2), d = wasm_f32x4_extract_lane(v, 3);
  const float p = a > b ? a : b, q = c > d ? c : d;
  return p > q ? p : q;
}

// max_rel (and the state it needs) for the four elements at j, element by element: only
// when one of them may beat the current max_rel.
static void rel4(Ctx *x, SIDES, uint32_t j) {
  for (uint32_t i = j; i < j + 4; i++) {
    const double r = at(R, kr, i), c = at(C, kc, i);
    if (!finite2(r, c)) continue;
    const double ad = __builtin_fabs(c - r), ar = __builtin_fabs(r), den = ar > REL_EPS ? ar : REL_EPS;
    if (ad > x->maxRel * den) x->maxRel = ad / den;
  }
}

// A float32 threshold a little below max_rel (clamped to the float32 range), so an element
// that beats max_rel in float64 always passes |d| ≥ thr·max(|r|, eps) in float32.
static inline float relThreshold(double maxRel) { return maxRel > 3.0e38 ? 3.0e38f : (float)(maxRel * (1 - 0x1p-20)); }

// A block whose values may all be finite: returns 0 (and changes nothing but out[] and
// maxRel, which the slow pass redoes the same) when one is not.
ALWAYS int block_fast(Ctx *x, SIDES, float *out, uint32_t k, uint32_t end, double *s) {
  const v128_t vAtol = wasm_f64x2_splat(x->atol), vRtol = wasm_f64x2_splat(x->rtol);
  const v128_t vShR = wasm_f64x2_splat(x->shR), vShC = wasm_f64x2_splat(x->shC);
  const v128_t eps32 = wasm_f32x4_splat((float)REL_EPS);
  v128_t sAbs = wasm_f64x2_splat(0), sSq = sAbs, sR2 = sAbs, sC2 = sAbs, sDot = sAbs, sR = sAbs, sRR = sAbs, sC = sAbs, sCC = sAbs;
  v128_t vMax = sAbs, vMis = wasm_i64x2_splat(0);
  v128_t vMinR = wasm_f32x4_splat(x->minR), vMaxR = wasm_f32x4_splat(x->maxR);
  v128_t vMinC = wasm_f32x4_splat(x->minC), vMaxC = wasm_f32x4_splat(x->maxC);
  // An element may beat max_rel only if |d| ≥ thr·max(|r|, eps) in float32, with thr a bit
  // below max_rel so float32 rounding never hides a beat (checked in float64 by rel4).
  // (Before any finite pair max_rel is −1: the first four decide it.)
  if (x->maxRel < 0 && end - k >= 4) rel4(x, R, kr, C, kc, k);
  float thr = relThreshold(x->maxRel);
  v128_t vThr = wasm_f32x4_splat(thr);
  const v128_t zero4 = wasm_f32x4_splat(0);
  uint32_t j = k;
  const uint32_t end4 = k + ((end - k) & ~3u);
  for (; j < end4; j += 4) {
    const v128_t r4 = at4(R, kr, j), c4 = at4(C, kc, j);
    const v128_t ad4 = wasm_f32x4_abs(wasm_f32x4_sub(c4, r4));
    wasm_v128_store(out + j, ad4);
    vMinR = wasm_f32x4_pmin(vMinR, r4);
    vMaxR = wasm_f32x4_pmax(vMaxR, r4);
    vMinC = wasm_f32x4_pmin(vMinC, c4);
    vMaxC = wasm_f32x4_pmax(vMaxC, c4);
    // ≥ rather than >, and |d| ≠ 0 apart: a product in the subnormal range may round up.
    const v128_t rel = wasm_v128_and(wasm_f32x4_ge(ad4, wasm_f32x4_mul(vThr, wasm_f32x4_pmax(wasm_f32x4_abs(r4), eps32))),
                                     wasm_f32x4_ne(ad4, zero4));
    if (__builtin_expect(wasm_v128_any_true(rel), 0)) {
      rel4(x, R, kr, C, kc, j);
      vThr = wasm_f32x4_splat(relThreshold(x->maxRel));
    }
    const v128_t rl = wasm_f64x2_promote_low_f32x4(r4), cl = wasm_f64x2_promote_low_f32x4(c4);
    const v128_t rh = high2(R, kr, j, r4), ch = high2(C, kc, j, c4);
    const v128_t dl = wasm_f64x2_sub(cl, rl), dh = wasm_f64x2_sub(ch, rh);
    const v128_t adl = wasm_f64x2_abs(dl), adh = wasm_f64x2_abs(dh);
    vMax = wasm_f64x2_pmax(vMax, wasm_f64x2_pmax(adl, adh));
    vMis = wasm_i64x2_sub(vMis, wasm_f64x2_gt(adl, wasm_f64x2_add(vAtol, wasm_f64x2_mul(vRtol, wasm_f64x2_abs(rl)))));
    vMis = wasm_i64x2_sub(vMis, wasm_f64x2_gt(adh, wasm_f64x2_add(vAtol, wasm_f64x2_mul(vRtol, wasm_f64x2_abs(rh)))));
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
  }
  // Any NaN or ±Inf on a side makes that side's shifted sum of squares NaN or +Inf (finite
  // float32 values cannot overflow it); the tail is checked element by element.
  const double chk = hsum(sRR) + hsum(sCC);
  if (chk - chk != 0) return 0;
  for (uint32_t i = end4; i < end; i++) if (!finite2(at(R, kr, i), at(C, kc, i))) return 0;
  s[X_ABS] = hsum(sAbs); s[X_SQ] = hsum(sSq); s[X_R2] = hsum(sR2); s[X_C2] = hsum(sC2); s[X_DOT] = hsum(sDot);
  s[X_R] = hsum(sR); s[X_RR] = hsum(sRR); s[X_C] = hsum(sC); s[X_CC] = hsum(sCC);
  const double blockMax = wasm_f64x2_extract_lane(vMax, 0) > wasm_f64x2_extract_lane(vMax, 1) ? wasm_f64x2_extract_lane(vMax, 0) : wasm_f64x2_extract_lane(vMax, 1);
  x->mismatch += (double)(wasm_i64x2_extract_lane(vMis, 0) + wasm_i64x2_extract_lane(vMis, 1));
  x->minR = low4(vMinR); x->maxR = high4(vMaxR); x->minC = low4(vMinC); x->maxC = high4(vMaxC);
  const uint32_t cnt = end4 - k;
  x->both += cnt; x->cntR += cnt; x->cntC += cnt;
  // max_abs and its first index: only a block that beats it is looked at again.
  if (blockMax > x->maxAbs) {
    for (uint32_t i = k; i < end4; i++) {
      const double ad = __builtin_fabs((double)at(C, kc, i) - (double)at(R, kr, i));
      if (ad > x->maxAbs) { x->maxAbs = ad; x->maxIdx = x->base + i; }
    }
  }
  // The tail (fewer than four elements): element by element, after the lanes.
  if (end4 < end) {
    double t[NSUMS];
    for (int i = 0; i < NSUMS; i++) t[i] = 0;
    for (uint32_t i = end4; i < end; i++) element(x, R, kr, C, kc, out, i, t);
    for (int i = 0; i < NSUMS; i++) s[i] += t[i];
  }
  return 1;
}

// |d| values by float32 exponent byte; slot 256 counts exact zeros (see countExponents()).
// One table per lane, so increments of one bin in a row do not wait on each other.
static void histogram(const float *out, uint32_t k, uint32_t end, uint32_t *hist) {
  uint32_t j = k;
  const v128_t one = wasm_i32x4_splat(1);
  for (; j + 4 <= end; j += 4) {
    const v128_t b = wasm_v128_load(out + j);
    const v128_t slot = wasm_v128_or(wasm_u32x4_shr(b, 23), wasm_i32x4_shl(wasm_u32x4_shr(wasm_i32x4_sub(b, one), 31), 8));
    hist[wasm_u32x4_extract_lane(slot, 0)]++;
    hist[257 + wasm_u32x4_extract_lane(slot, 1)]++;
    hist[514 + wasm_u32x4_extract_lane(slot, 2)]++;
    hist[771 + wasm_u32x4_extract_lane(slot, 3)]++;
  }
  for (; j < end; j++) {
    const uint32_t b = __builtin_bit_cast(uint32_t, out[j]);
    hist[(b >> 23) | (((b - 1) >> 31) << 8)]++;
  }
}

// Carries so every limb but the top one is in [0, 2^32): one representation per value, and
// every cell small enough to travel as a float64.
static void normalize(int64_t *acc) {
  for (int i = 0; i < LIMBS - 1; i++) {
    const int64_t c = acc[i] >> 32;
    acc[i] -= c * 4294967296LL;
    acc[i + 1] += c;
  }
}

// The block loop for one pair of side kinds (inlined four times, one per pair).
ALWAYS void run(Ctx *x, SIDES, float *out, uint32_t *hist, uint32_t n, int64_t limb[NSUMS][LIMBS]) {
  const uint64_t base = (uint64_t)x->base;
  uint32_t k = 0;
  while (k < n) {
    const uint32_t left = BLOCK - (uint32_t)((base + k) % BLOCK);
    const uint32_t end = n - k > left ? k + left : n;
    double s[NSUMS];
    if (!block_fast(x, R, kr, C, kc, out, k, end, s)) block_slow(x, R, kr, C, kc, out, k, end, s);
    for (int i = 0; i < NSUMS; i++) exact_add(limb[i], s[i]);
    histogram(out, k, end, hist);
    k = end;
  }
}

// R, C: n values each, float32 or (kinds bit 0 for R, bit 1 for C) bfloat16 bit patterns; R[0]
// is element st[S_BASE] of the tensor. out: |C − R| as float32 (NaN where a side is not
// finite). hist: 4 × 257 counters. st: state (S_* slots), inputs and running extremes in,
// this call's counts out. acc: NSUMS × LIMBS exact sums as float64 integers, added to.
EXPORT void metrics(const void *R, const void *C, uint32_t kinds, float *out, uint32_t *hist, uint32_t n, double *st, double *acc) {
  Ctx x;
  x.atol = st[S_ATOL]; x.rtol = st[S_RTOL]; x.shR = st[S_SHIFT_R]; x.shC = st[S_SHIFT_C];
  x.maxAbs = st[S_MAX_ABS]; x.maxIdx = st[S_MAX_IDX]; x.maxRel = st[S_MAX_REL]; x.base = st[S_BASE];
  x.both = x.mismatch = x.nanR = x.nanC = x.infR = x.infC = x.cntR = x.cntC = 0;
  x.minR = (float)st[S_MIN_R]; x.maxR = (float)st[S_MAX_R]; x.minC = (float)st[S_MIN_C]; x.maxC = (float)st[S_MAX_C];
  int64_t limb[NSUMS][LIMBS];
  for (int i = 0; i < NSUMS; i++)
    for (int l = 0; l < LIMBS; l++) limb[i][l] = (int64_t)acc[i * LIMBS + l];
  switch (kinds) {
    case 0: run(&x, R, 0, C, 0, out, hist, n, limb); break;
    case 1: run(&x, R, 1, C, 0, out, hist, n, limb); break;
    case 2: run(&x, R, 0, C, 1, out, hist, n, limb); break;
    default: run(&x, R, 1, C, 1, out, hist, n, limb); break;
  }
  for (int i = 0; i < NSUMS; i++) {
    normalize(limb[i]);
    for (int l = 0; l < LIMBS; l++) acc[i * LIMBS + l] = (double)limb[i][l];
  }
  st[S_MAX_ABS] = x.maxAbs; st[S_MAX_IDX] = x.maxIdx; st[S_MAX_REL] = x.maxRel;
  st[S_BOTH] = x.both; st[S_MISMATCH] = x.mismatch;
  st[S_NAN_R] = x.nanR; st[S_NAN_C] = x.nanC; st[S_INF_R] = x.infR; st[S_INF_C] = x.infC;
  st[S_CNT_R] = x.cntR; st[S_MIN_R] = x.minR; st[S_MAX_R] = x.maxR;
  st[S_CNT_C] = x.cntC; st[S_MIN_C] = x.minC; st[S_MAX_C] = x.maxC;
}
