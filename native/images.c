// WebAssembly kernels of the image side (built with native/kernels.c into dist/kernels.wasm):
// PNG unfiltering. The TypeScript reference is unfilterTs in src/core/images/pngDecode.ts;
// both give the same bytes (checked by test/unit/images/pngDecode.test.ts).
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT __attribute__((visibility("default")))

static inline uint32_t load_u32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

// Adds the four bytes of a and b lane by lane, mod 256 (no carry between bytes).
static inline uint32_t add_bytes(uint32_t a, uint32_t b) {
  return ((a & 0x7f7f7f7fu) + (b & 0x7f7f7f7fu)) ^ ((a ^ b) & 0x80808080u);
}

static inline uint8_t paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = p > a ? p - a : a - p, pb = p > b ? p - b : b - p, pc = p > c ? p - c : c - p;
  return (uint8_t)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

// src: h rows of (1 filter byte + rowBytes); out: h rows of rowBytes. Returns the first row
// with an unknown filter type, or h when all rows are good.
EXPORT uint32_t png_unfilter(const uint8_t *src, uint8_t *out, uint32_t h, uint32_t rowBytes, uint32_t bpp) {
  for (uint32_t y = 0; y < h; y++) {
    const uint8_t *s = src + (uint64_t)y * (rowBytes + 1);
    const uint8_t f = *s++;
    uint8_t *o = out + (uint64_t)y * rowBytes;
    const uint8_t *u = o - rowBytes;
    uint32_t i = 0;
    if (f > 4) return y;
    if (f == 0 || (y == 0 && f == 2)) {
      for (; i + 16 <= rowBytes; i += 16) wasm_v128_store(o + i, wasm_v128_load(s + i));
      for (; i < rowBytes; i++) o[i] = s[i];
    } else if (f == 1) {
      for (; i < bpp; i++) o[i] = s[i];
      if (bpp == 3 || bpp == 4) {
        // one pixel per step as four bytes; the fourth byte of a 3-byte pixel is rewritten next step
        const uint32_t mask = bpp == 4 ? 0xffffffffu : 0x00ffffffu;
        uint32_t prev = load_u32(o) & mask;
        for (; i + 4 <= rowBytes; i += bpp) {
          prev = add_bytes(load_u32(s + i), prev) & mask;
          o[i] = (uint8_t)prev;
          o[i + 1] = (uint8_t)(prev >> 8);
          o[i + 2] = (uint8_t)(prev >> 16);
          if (bpp == 4) o[i + 3] = (uint8_t)(prev >> 24);
        }
      }
      for (; i < rowBytes; i++) o[i] = (uint8_t)(s[i] + o[i - bpp]);
    } else if (f == 2) {
      for (; i + 16 <= rowBytes; i += 16) wasm_v128_store(o + i, wasm_i8x16_add(wasm_v128_load(s + i), wasm_v128_load(u + i)));
      for (; i < rowBytes; i++) o[i] = (uint8_t)(s[i] + u[i]);
    } else if (f == 3) {
      for (; i < bpp; i++) o[i] = (uint8_t)(s[i] + (y ? u[i] >> 1 : 0));
      for (; i < rowBytes; i++) o[i] = (uint8_t)(s[i] + ((o[i - bpp] + (y ? u[i] : 0)) >> 1));
    } else {
      for (; i < bpp; i++) o[i] = (uint8_t)(s[i] + (y ? u[i] : 0));
      if (y == 0)
        for (; i < rowBytes; i++) o[i] = (uint8_t)(s[i] + o[i - bpp]);
      else
        for (; i < rowBytes; i++) o[i] = (uint8_t)(s[i] + paeth(o[i - bpp], u[i], u[i - bpp]));
    }
  }
  return h;
}

// Two RGBA images of n pixels: per pixel max |a − b| over R, G, B into maxmap (n bytes);
// out[0] Σ (a − b)², out[1] Σ |a − b| over R, G, B, out[2] the largest |a − b|. With counts
// (65536 u32, zeroed by the caller): counts[a << 8 | b] += 1 over the first `lanes` channels
// of each pixel (3: RGB, 4: RGBA), mflux's joint histogram. Integer sums: exact.
EXPORT void rgba_diff(const uint8_t *a, const uint8_t *b, uint32_t n, uint32_t lanes, uint8_t *maxmap, uint32_t *counts, double *out) {
  const v128_t rgb = wasm_i32x4_splat(0x00ffffff);
  const v128_t gather = wasm_i8x16_const(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  uint64_t sq = 0, abs = 0;
  v128_t vmax = wasm_i32x4_splat(0);
  uint32_t i = 0;
  while (i + 4 <= n) {
    // blocks short enough that the 32-bit lane sums cannot overflow (≤ 4096 × 3 × 65025 per lane pair)
    const uint32_t end = i + 4 * 4096 < n ? i + 4 * 4096 : n;
    v128_t vsq = wasm_i32x4_splat(0), vabs = wasm_i32x4_splat(0);
    for (; i + 4 <= end; i += 4) {
      const v128_t x = wasm_v128_load(a + 4 * i), y = wasm_v128_load(b + 4 * i);
      const v128_t d = wasm_v128_and(wasm_v128_or(wasm_u8x16_sub_sat(x, y), wasm_u8x16_sub_sat(y, x)), rgb);
      const v128_t lo = wasm_u16x8_extend_low_u8x16(d), hi = wasm_u16x8_extend_high_u8x16(d);
      vsq = wasm_i32x4_add(vsq, wasm_i32x4_add(wasm_i32x4_dot_i16x8(lo, lo), wasm_i32x4_dot_i16x8(hi, hi)));
      vabs = wasm_i32x4_add(vabs, wasm_u32x4_extadd_pairwise_u16x8(wasm_u16x8_extadd_pairwise_u8x16(d)));
      v128_t m = wasm_u8x16_max(d, wasm_u32x4_shr(d, 8));
      m = wasm_u8x16_max(m, wasm_u32x4_shr(m, 16));
      vmax = wasm_u8x16_max(vmax, m);
      const v128_t px = wasm_i8x16_swizzle(m, gather);
      const uint32_t four = wasm_i32x4_extract_lane(px, 0);
      __builtin_memcpy(maxmap + i, &four, 4);
    }
    sq += (uint64_t)(uint32_t)wasm_i32x4_extract_lane(vsq, 0) + (uint32_t)wasm_i32x4_extract_lane(vsq, 1) +
          (uint32_t)wasm_i32x4_extract_lane(vsq, 2) + (uint32_t)wasm_i32x4_extract_lane(vsq, 3);
    abs += (uint64_t)(uint32_t)wasm_i32x4_extract_lane(vabs, 0) + (uint32_t)wasm_i32x4_extract_lane(vabs, 1) +
           (uint32_t)wasm_i32x4_extract_lane(vabs, 2) + (uint32_t)wasm_i32x4_extract_lane(vabs, 3);
  }
  // byte 0 of each pixel holds max(R, G, B); the other bytes maxima of fewer channels
  uint32_t max = wasm_u8x16_extract_lane(vmax, 0);
  if (wasm_u8x16_extract_lane(vmax, 4) > max) max = wasm_u8x16_extract_lane(vmax, 4);
  if (wasm_u8x16_extract_lane(vmax, 8) > max) max = wasm_u8x16_extract_lane(vmax, 8);
  if (wasm_u8x16_extract_lane(vmax, 12) > max) max = wasm_u8x16_extract_lane(vmax, 12);
  for (; i < n; i++) {
    uint32_t m = 0;
    for (uint32_t c = 0; c < 3; c++) {
      const int d = (int)a[4 * i + c] - (int)b[4 * i + c];
      const uint32_t e = d < 0 ? -d : d;
      sq += e * e;
      abs += e;
      if (e > m) m = e;
    }
    maxmap[i] = (uint8_t)m;
    if (m > max) max = m;
  }
  out[0] = (double)sq;
  out[1] = (double)abs;
  out[2] = max;
  if (!counts) return;
  for (uint32_t p = 0; p < 4 * n; p += 4)
    for (uint32_t c = 0; c < lanes; c++) counts[(uint32_t)a[p + c] << 8 | b[p + c]]++;
}

// n pixels of 1 (grey), 2 (grey, alpha) or 3 (RGB) bytes → RGBA, as png.ts toRgba.
EXPORT void expand_rgba(const uint8_t *src, uint8_t *dst, uint32_t n, uint32_t channels) {
  uint32_t i = 0;
  if (channels == 3) {
    const v128_t shuf = wasm_i8x16_const(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1);
    const v128_t alpha = wasm_i32x4_splat((int32_t)0xff000000u);
    // 16 bytes loaded per 4 pixels (12 used): stop while 4 bytes of slack remain
    for (; i + 6 <= n; i += 4) wasm_v128_store(dst + 4 * i, wasm_v128_or(wasm_i8x16_swizzle(wasm_v128_load(src + 3 * i), shuf), alpha));
    for (; i < n; i++) {
      dst[4 * i] = src[3 * i];
      dst[4 * i + 1] = src[3 * i + 1];
      dst[4 * i + 2] = src[3 * i + 2];
      dst[4 * i + 3] = 255;
    }
  } else if (channels == 1) {
    const v128_t shuf = wasm_i8x16_const(0, 0, 0, -1, 1, 1, 1, -1, 2, 2, 2, -1, 3, 3, 3, -1);
    const v128_t alpha = wasm_i32x4_splat((int32_t)0xff000000u);
    for (; i + 16 <= n; i += 4) wasm_v128_store(dst + 4 * i, wasm_v128_or(wasm_i8x16_swizzle(wasm_v128_load(src + i), shuf), alpha));
    for (; i < n; i++) {
      dst[4 * i] = dst[4 * i + 1] = dst[4 * i + 2] = src[i];
      dst[4 * i + 3] = 255;
    }
  } else {
    const v128_t shuf = wasm_i8x16_const(0, 0, 0, 1, 2, 2, 2, 3, 4, 4, 4, 5, 6, 6, 6, 7);
    for (; i + 8 <= n; i += 4) wasm_v128_store(dst + 4 * i, wasm_i8x16_swizzle(wasm_v128_load(src + 2 * i), shuf));
    for (; i < n; i++) {
      dst[4 * i] = dst[4 * i + 1] = dst[4 * i + 2] = src[2 * i];
      dst[4 * i + 3] = src[2 * i + 1];
    }
  }
}
