// The PNG decoder for the files mflux writes (and most others): 8-bit greyscale, grey+alpha,
// RGB or RGBA, not interlaced. Chunks are walked with every length checked against the file,
// the image data is inflated by Node's zlib (native) into a buffer of exactly the size the
// header implies (a larger stream is an error, not an allocation), and rows are unfiltered
// here. Other PNGs (palette, Adam7) go to pngjs in png.ts.
import { crc32 as zlibCrc32, inflate, inflateSync, type ZlibOptions } from 'node:zlib';
import { kernels } from '../kernels';

export interface PngHeader {
  readonly width: number;
  readonly height: number;
  readonly depth: number;
  readonly colorType: number;
  readonly interlace: number;
}

/** Whether pngDecode reads this layout (else pngjs does). */
export function fastLayout(h: PngHeader): boolean {
  return h.depth === 8 && h.interlace === 0 && h.colorType !== 3;
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 of a chunk's type and data (zlib's when this Node has it). */
export function crc32(bytes: Uint8Array): number {
  if (typeof zlibCrc32 === 'function') return zlibCrc32(bytes);
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 255] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/**
 * Unfilters `h` rows of `rowBytes` bytes (`bpp` bytes per pixel) from `src` (each row led by
 * its filter byte) into `out`. The TypeScript reference of the kernel's png_unfilter.
 */
export function unfilterTs(src: Uint8Array, out: Uint8Array, h: number, rowBytes: number, bpp: number): void {
  for (let y = 0; y < h; y++) {
    const f = src[y * (rowBytes + 1)];
    const s = y * (rowBytes + 1) + 1;
    const o = y * rowBytes;
    const u = o - rowBytes; // the row above (absent on row 0: read as zeros)
    if (f === 0 || (y === 0 && f === 2)) out.set(src.subarray(s, s + rowBytes), o);
    else if (f === 1) {
      for (let i = 0; i < bpp; i++) out[o + i] = src[s + i];
      for (let i = bpp; i < rowBytes; i++) out[o + i] = src[s + i] + out[o + i - bpp];
    } else if (f === 2) {
      for (let i = 0; i < rowBytes; i++) out[o + i] = src[s + i] + out[u + i];
    } else if (f === 3) {
      for (let i = 0; i < rowBytes; i++) {
        const left = i >= bpp ? out[o + i - bpp] : 0;
        const up = y > 0 ? out[u + i] : 0;
        out[o + i] = src[s + i] + ((left + up) >> 1);
      }
    } else if (f === 4) {
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= bpp ? out[o + i - bpp] : 0;
        const b = y > 0 ? out[u + i] : 0;
        const c = i >= bpp && y > 0 ? out[u + i - bpp] : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        out[o + i] = src[s + i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
    } else throw new Error(`row ${y} has unknown filter type ${f}`);
  }
}

/** Walks the chunks after the signature: the header, and the image data (concatenated). */
export function readChunks(bytes: Buffer): { header: PngHeader; idat: Buffer } {
  let p = 8;
  let header: PngHeader | null = null;
  const idat: Buffer[] = [];
  let ended = false;
  while (p < bytes.length) {
    if (p + 12 > bytes.length) throw new Error(`truncated chunk at byte ${p}`);
    const len = bytes.readUInt32BE(p);
    const type = bytes.toString('latin1', p + 4, p + 8);
    if (len > bytes.length - p - 12) throw new Error(`${type} chunk at byte ${p} runs past the end of the file`);
    const body = bytes.subarray(p + 8, p + 8 + len);
    if (crc32(bytes.subarray(p + 4, p + 8 + len)) !== bytes.readUInt32BE(p + 8 + len)) throw new Error(`${type} chunk has a bad CRC`);
    if (type === 'IHDR') {
      if (len !== 13) throw new Error('IHDR chunk has the wrong length');
      header = { width: body.readUInt32BE(0), height: body.readUInt32BE(4), depth: body[8], colorType: body[9], interlace: body[12] };
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') {
      ended = true;
      break;
    } else if (!(type.charCodeAt(0) & 0x20)) throw new Error(`unknown critical chunk ${type}`);
    p += 12 + len;
  }
  if (!header) throw new Error('no IHDR chunk');
  if (!idat.length) throw new Error('no image data (IDAT)');
  if (!ended) throw new Error('truncated: no IEND chunk');
  return { header, idat: idat.length === 1 ? idat[0] : Buffer.concat(idat) };
}

/** Bytes of the inflated image data of a fastLayout header: each row led by its filter byte. */
export function rowsSize(header: PngHeader, channels: number): number {
  return header.height * (header.width * channels + 1);
}

/**
 * zlib options for inflating `size` bytes: one output buffer of size + 1 (one native call,
 * no joining of 16 KB pieces), and a stream that would inflate to more than `size` stops
 * there (maxOutputLength) instead of growing. The buffer is allocated up front, and is at most
 * the 400 MB of png.ts's pixel limit; deflate cannot expand more than ~1032×, so a header
 * claiming far more than its data can hold gets the default pieces instead.
 */
function inflateOptions(idat: Uint8Array, size: number): ZlibOptions {
  return size <= 1100 * idat.length + 4096 ? { chunkSize: Math.max(64, size + 1), maxOutputLength: size } : { maxOutputLength: size };
}

function inflateFailed(e: unknown): Error {
  const why =
    (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? 'more image data than the header implies' : (e as Error).message;
  return new Error(`image data does not inflate (${why})`);
}

function checkSize(raw: Buffer, size: number): Buffer {
  if (raw.length !== size) throw new Error(`image data holds ${raw.length} bytes, the header implies ${size}`);
  return raw;
}

/** The image data inflated, exactly `size` bytes (else an error). */
export function inflateRows(idat: Buffer, size: number): Buffer {
  let raw: Buffer;
  try {
    raw = inflateSync(idat, inflateOptions(idat, size));
  } catch (e) {
    throw inflateFailed(e);
  }
  return checkSize(raw, size);
}

/** inflateRows on one of libuv's threads (zlib's async inflate): two images inflate at once. */
export function inflateRowsAsync(idat: Buffer, size: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    inflate(idat, inflateOptions(idat, size), (e, raw) => {
      if (e) reject(inflateFailed(e));
      else {
        try {
          resolve(checkSize(raw, size));
        } catch (err) {
          reject(err);
        }
      }
    });
  });
}

/**
 * The pixels as stored (header.colorType's channels, 8-bit), for a fastLayout header, and
 * expanded to RGBA (the same array for RGBA).
 */
export function decodePixels(header: PngHeader, idat: Buffer, channels: number): { data: Uint8Array; rgba: Uint8Array } {
  return unfilterRows(header, inflateRows(idat, rowsSize(header, channels)), channels);
}

/** decodePixels after the inflate: `raw` is rowsSize bytes. */
export function unfilterRows(header: PngHeader, raw: Uint8Array, channels: number): { data: Uint8Array; rgba: Uint8Array } {
  const { width, height } = header;
  const rowBytes = width * channels;
  const out = new Uint8Array(height * rowBytes);
  const n = width * height;
  const k = kernels();
  if (k) {
    const rgba = channels === 4 ? out : new Uint8Array(n * 4);
    k.unfilterPng(raw, out, height, rowBytes, channels, channels === 4 ? undefined : rgba);
    return { data: out, rgba };
  }
  unfilterTs(raw, out, height, rowBytes, channels);
  return { data: out, rgba: toRgba(out, n, channels) };
}

/** RGBA for display, as pngjs expands each colour type (tRNS ignored: PIL keeps 0 and 2 opaque). */
export function toRgba(data: Uint8Array, n: number, channels: number): Uint8Array {
  if (channels === 4) return data;
  const rgba = new Uint8Array(n * 4);
  if (channels === 3) {
    for (let i = 0, j = 0, k = 0; i < n; i++, j += 3, k += 4) {
      rgba[k] = data[j];
      rgba[k + 1] = data[j + 1];
      rgba[k + 2] = data[j + 2];
      rgba[k + 3] = 255;
    }
  } else {
    for (let i = 0, k = 0; i < n; i++, k += 4) {
      const v = data[i * channels];
      rgba[k] = rgba[k + 1] = rgba[k + 2] = v;
      rgba[k + 3] = channels === 2 ? data[i * 2 + 1] : 255;
    }
  }
  return rgba;
}
