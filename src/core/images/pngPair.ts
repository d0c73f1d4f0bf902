// Reading the two PNGs of an image diff at once: both files are read and checked, then both
// inflate together on libuv's threads (zlib's async inflate: two images on two cores, and no
// worker), and each is unfiltered as soon as it is inflated. With the SIMD kernels and two
// same-size images in the layouts pngDecode reads, the pixels are unfiltered straight into a
// private kernel memory, where imageDiffAndMap reads them without a copy. The same pixels and
// errors as readPng on each file (checked by test/unit/images/pngPair.test.ts).
import { readFileSync } from 'node:fs';
import { kernels, privateKernels, type Kernels } from '../kernels';
import type { DecodedImage } from './types';
import { checkHeader, decodePng, labelled, pngImageData, type CheckedHeader } from './png';
import { fastLayout, inflateRowsAsync, rowsSize, unfilterRows } from './pngDecode';

export interface PngPair {
  readonly ref: DecodedImage;
  readonly cand: DecodedImage;
  /** The kernels to diff them with (pass to imageDiffAndMap): the instance holding both, else the shared one; null without kernels. */
  readonly kernels: Kernels | null;
}

function readBytes(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

interface Started {
  readonly header: CheckedHeader;
  /** The inflated rows, on their way (fastLayout images). */
  readonly rows?: Promise<Buffer>;
  /** The whole image, for the layouts pngjs decodes. */
  readonly image?: DecodedImage;
}

/** Reads and checks one file and starts inflating it. */
function start(file: string): Started {
  const bytes = readBytes(file);
  const header = checkHeader(bytes, file);
  if (!fastLayout(header)) return { header, image: decodePng(bytes, file) };
  const idat = pngImageData(bytes, file);
  const rows = inflateRowsAsync(idat, rowsSize(header, header.channels)).catch((e: Error) => {
    throw new Error(`${file}: cannot decode PNG (${e.message})`);
  });
  rows.catch(() => {}); // awaited below; an error of the reference is reported first
  return { header, rows };
}

type Slots = { k: Kernels; rgba: Uint8Array; data: Uint8Array } | null;

/** The image of `s` once inflated: unfiltered into `slots` (views of k's memory), else into new arrays. */
async function finish(s: Started, file: string, slots: Slots): Promise<DecodedImage> {
  if (s.image) return s.image;
  const raw = await (s.rows as Promise<Buffer>);
  const { width, height, channels, colorType } = s.header;
  if (!slots) return { width, height, channels, colorType, ...labelled(file, () => unfilterRows(s.header, raw, channels)) };
  const { k, data, rgba } = slots;
  labelled(file, () => k.unfilterInto(raw, height, width * channels, channels, data, rgba));
  return { width, height, channels, colorType, data, rgba };
}

/** readPng(refPath) and readPng(candPath), decoded together; the reference's error comes first. */
export async function readPngPair(refPath: string, candPath: string): Promise<PngPair> {
  const a = start(refPath);
  let b: Started;
  try {
    b = start(candPath);
  } catch (e) {
    await finish(a, refPath, null); // a reference that cannot be decoded is the error to report
    throw e;
  }
  const [ha, hb] = [a.header, b.header];
  const inPlace = a.rows && b.rows && ha.width === hb.width && ha.height === hb.height;
  const k = inPlace ? privateKernels() : null;
  const slots = k?.reservePair(ha.width, ha.height, [ha.channels, hb.channels]);
  const at = (i: number): Slots => (k && slots ? { k, rgba: slots.rgba[i], data: slots.data[i] } : null);
  const done = [finish(a, refPath, at(0)), finish(b, candPath, at(1))];
  done[1].catch(() => {}); // awaited below, after the reference
  const ref = await done[0];
  return { ref, cand: await done[1], kernels: k ?? kernels() };
}
