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
