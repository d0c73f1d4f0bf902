// PNG decoding that keeps what the file held: the channels PIL's np.array(Image.open(p))
// would give (needed to replay mflux's golden rule exactly) plus an RGBA copy for display.
import { readFileSync } from 'node:fs';
import type { PNG as PngJs } from 'pngjs';
import type { DecodedImage } from './types';
import { constants, deflateSync } from 'node:zlib';
import { crc32, decodePixels, fastLayout, readChunks, type PngHeader } from './pngDecode';

/** Refuse images whose header claims more pixels than this (400 MB of RGBA). */
const MAX_PIXELS = 100_000_000;
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CHANNELS: Record<number, 1 | 2 | 3 | 4> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * pngjs, loaded on first use: the CLI's image-diff of the PNGs mflux writes never needs it, and
 * initialising it (with Node's stream modules) costs a few ms of every start-up.
 */
function pngjs(): typeof PngJs {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('pngjs') as { PNG: typeof PngJs }).PNG;
}

/** What decodePng checks before the pixels: a PNG of a size and layout this tool reads. */
export interface CheckedHeader extends PngHeader {
  readonly channels: 1 | 2 | 3 | 4;
}

/** The header of PNG bytes, checked; `label` (usually the path) prefixes every error. */
export function checkHeader(bytes: Buffer, label: string): CheckedHeader {
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(SIGNATURE)) throw new Error(`${label}: not a PNG file`);
  if (bytes.toString('latin1', 12, 16) !== 'IHDR') throw new Error(`${label}: PNG has no IHDR header`);
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const depth = bytes[24];
  const colorType = bytes[25];
  if (width === 0 || height === 0) throw new Error(`${label}: PNG is empty (${width}×${height})`);
  if (width * height > MAX_PIXELS)
    throw new Error(`${label}: PNG is ${width}×${height}, larger than the ${MAX_PIXELS / 1e6} Mpx this tool reads`);
  const channels = CHANNELS[colorType];
  if (!channels) throw new Error(`${label}: unknown PNG color type ${colorType}`);
  if (depth === 16) throw new Error(`${label}: 16-bit PNGs are not supported (mflux writes 8-bit PNGs)`);
  if (depth !== 8 && colorType !== 3) throw new Error(`${label}: ${depth}-bit greyscale PNGs are not supported`);
  return { width, height, depth, colorType, interlace: bytes[28], channels };
}

/** The chunks of a fastLayout PNG, checked; errors name `label`. */
export function pngImageData(bytes: Buffer, label: string): Buffer {
  return labelled(label, () => readChunks(bytes).idat);
}

/** Runs `f`; its error becomes "label: cannot decode PNG (reason)". */
export function labelled<T>(label: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new Error(`${label}: cannot decode PNG (${(e as Error).message})`);
  }
}

/** Decodes PNG bytes; `label` (usually the path) prefixes every error. */
export function decodePng(bytes: Buffer, label: string): DecodedImage {
  const h = checkHeader(bytes, label);
  const { width, height, channels, colorType } = h;
  if (!fastLayout(h)) return decodeWithPngjs(bytes, label, width, height, colorType);
  return labelled(label, () => {
    const { header, idat } = readChunks(bytes);
    return { width, height, channels, ...decodePixels(header, idat, channels), colorType };
  });
}

/** Palette and interlaced PNGs, through pngjs (rare: mflux writes neither). */
function decodeWithPngjs(bytes: Buffer, label: string, width: number, height: number, colorType: number): DecodedImage {
  const channels = CHANNELS[colorType];
  let png: { data: Buffer; palette?: unknown };
  try {
    png = pngjs().sync.read(bytes) as unknown as { data: Buffer; palette?: unknown };
  } catch (e) {
    throw new Error(`${label}: cannot decode PNG (${(e as Error).message})`);
  }
  const rgba = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  const n = width * height;
  let data: Uint8Array;
  if (colorType === 6) data = rgba;
  else {
    data = new Uint8Array(n * channels);
    if (colorType === 2) {
      for (let i = 0, j = 0; i < n; i++, j += 3) {
        data[j] = rgba[i * 4];
        data[j + 1] = rgba[i * 4 + 1];
        data[j + 2] = rgba[i * 4 + 2];
      }
    } else if (colorType === 0) {
      for (let i = 0; i < n; i++) data[i] = rgba[i * 4];
    } else if (colorType === 4) {
      for (let i = 0; i < n; i++) {
        data[i * 2] = rgba[i * 4];
        data[i * 2 + 1] = rgba[i * 4 + 3];
      }
    } else {
      // Palette: PIL gives the indices. Recover them from the expanded colours; identical
      // palette entries are indistinguishable, the first one is taken.
      const index = new Map<number, number>();
      (Array.isArray(png.palette) ? (png.palette as number[][]) : []).forEach((c, i) => {
        const key = ((c[0] << 24) | (c[1] << 16) | (c[2] << 8) | (c[3] ?? 255)) >>> 0;
        if (!index.has(key)) index.set(key, i);
      });
      for (let i = 0; i < n; i++) {
        const key = ((rgba[i * 4] << 24) | (rgba[i * 4 + 1] << 16) | (rgba[i * 4 + 2] << 8) | rgba[i * 4 + 3]) >>> 0;
        data[i] = index.get(key) ?? 0;
      }
    }
  }
  if (colorType === 0 || colorType === 2) {
    // A tRNS colour key made pngjs add transparency; PIL keeps these images opaque.
    for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  }
  return { width, height, channels, data, rgba, colorType };
}

export function readPng(file: string): DecodedImage {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return decodePng(bytes, file);
}

export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const PNG = pngjs();
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  // One fixed filter (Sub) and moderate compression: several times faster than the adaptive
  // default on heatmaps, and only slightly larger.
  return PNG.sync.write(png, { colorType: 6, filterType: 1, deflateLevel: 4 });
}

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/**
 * Whether most neighbouring pixels repeat (flat areas, e.g. identical images), judged on 64
 * rows spread over the image: then run-length matching packs far smaller; on noisy maps
 * Huffman coding alone is ~2× faster and as small.
 */
function mostlyRuns(index: Uint8Array, width: number, height: number): boolean {
  let same = 0;
  let all = 0;
  const step = Math.max(1, Math.floor(height / 64));
  for (let y = 0; y < height; y += step) {
    for (let i = y * width + 1, e = (y + 1) * width; i < e; i++, all++) if (index[i] === index[i - 1]) same++;
  }
  return same > 0.8 * all;
}

/**
 * An 8-bit palette PNG of `index` (width × height bytes) and an RGB `palette` (≤ 256 × 3).
 * Rows unfiltered, deflated at level 1 in one call: run-length matching where runs dominate,
 * else Huffman coding only (heatmaps are runs, or noise over few colours).
 */
export function encodeIndexedPng(width: number, height: number, index: Uint8Array, palette: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 3; // colour type: palette
  const raw = new Uint8Array(height * (width + 1)); // filter byte 0 (none) before each row
  for (let y = 0; y < height; y++) raw.set(index.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const strategy = mostlyRuns(index, width, height) ? constants.Z_RLE : constants.Z_HUFFMAN_ONLY;
  const idat = deflateSync(raw, { level: 1, strategy, chunkSize: Math.max(64, raw.length + 1024) });
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('PLTE', palette), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))]);
}
