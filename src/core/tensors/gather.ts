// Gathering the elements of a strided view into row-major order, from bytes already in memory:
// a generic walk, word-sized copies without a callback per element, and a tiled gather of whole
// rows for transposed layouts. Used by layout.ts.

/** Multi-index of a row-major flat index, and the element offset it maps to. */
function locate(shape: readonly number[], strides: readonly number[], flat: number): { idx: number[]; off: number } {
  const idx = new Array<number>(shape.length).fill(0);
  let off = 0;
  for (let d = shape.length - 1; d >= 0; d--) {
    const i = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
    idx[d] = i;
    off += i * strides[d];
  }
  return { idx, off };
}

/**
 * After `idx[d]` was stepped by one: a dimension that ran past its end goes back to 0 and steps
 * the one before it, as far as needed. Returns the change of the element offset this makes.
 */
function carry(idx: number[], shape: readonly number[], strides: readonly number[], d: number): number {
  let delta = 0;
  while (d > 0 && idx[d] === shape[d]) {
    delta -= strides[d] * shape[d];
    idx[d] = 0;
    d--;
    idx[d]++;
    delta += strides[d];
  }
  return delta;
}

/** Calls `visit(k, off)` for output positions k = 0..cnt-1 starting at row-major index `start`. */
export function walk(
  shape: readonly number[],
  strides: readonly number[],
  start: number,
  cnt: number,
  visit: (k: number, off: number) => void,
): void {
  const { idx, off: first } = locate(shape, strides, start);
  const last = shape.length - 1;
  let off = first;
  for (let k = 0; k < cnt; k++) {
    visit(k, off);
    idx[last]++;
    off += strides[last] + carry(idx, shape, strides, last);
  }
}

/** Copies the elements of one output chunk from a buffer holding element offsets [base, …). */
export function gatherFrom(
  src: Uint8Array,
  base: number,
  shape: readonly number[],
  strides: readonly number[],
  start: number,
  cnt: number,
  es: number,
  out: Uint8Array,
): void {
  if (es === 2 || es === 4) {
    const s =
      es === 2 ? new Uint16Array(src.buffer, src.byteOffset, src.length / 2) : new Uint32Array(src.buffer, src.byteOffset, src.length / 4);
    const o = es === 2 ? new Uint16Array(out.buffer, out.byteOffset, cnt) : new Uint32Array(out.buffer, out.byteOffset, cnt);
    walkWords(shape, strides, start, cnt, base, s, o, 1);
    return;
  }
  if (es === 1) {
    walkWords(shape, strides, start, cnt, base, src, out, 1);
    return;
  }
  if (es === 8) {
    walkWords(
      shape,
      strides,
      start,
      cnt,
      base,
      new Uint32Array(src.buffer, src.byteOffset, src.length / 4),
      new Uint32Array(out.buffer, out.byteOffset, cnt * 2),
      2,
    );
    return;
  }
  walk(shape, strides, start, cnt, (k, off) => {
    const from = (off - base) * es;
    out.set(src.subarray(from, from + es), k * es);
  });
}

type Words = Uint8Array | Uint16Array | Uint32Array;

/**
 * `walk` specialised for word-sized copies without a callback per element: `lanes` words per
 * element (2 for 8-byte elements held as pairs of 32-bit words, which copies bit patterns
 * exactly, NaN payloads included).
 */
function walkWords(
  shape: readonly number[],
  strides: readonly number[],
  start: number,
  cnt: number,
  base: number,
  src: Words,
  out: Words,
  lanes: 1 | 2,
): void {
  const { idx, off: first } = locate(shape, strides, start);
  const last = shape.length - 1;
  const innerN = shape[last];
  const innerS = strides[last];
  let off = first - base;
  let k = 0;
  while (k < cnt) {
    // run along the last dimension
    const run = Math.min(innerN - idx[last], cnt - k);
    if (lanes === 1) {
      for (let r = 0; r < run; r++) {
        out[k++] = src[off];
        off += innerS;
      }
    } else {
      for (let r = 0; r < run; r++) {
        out[2 * k] = src[2 * off];
        out[2 * k + 1] = src[2 * off + 1];
        k++;
        off += innerS;
      }
    }
    idx[last] += run;
    if (k >= cnt) break;
    off += carry(idx, shape, strides, last);
  }
}

/**
 * Gathers whole rows (the last dimension) `row0 .. row0+rows` of a strided view. Columns go
 * in blocks of 64 and, within a block, rows advance fastest: for a transposed layout
 * (Fortran order, `w.t()`), neighbouring rows are neighbours in memory, so each block reads
 * a few cache lines again and again instead of one new line per element.
 */
export function gatherRowsTiled(
  src: Uint8Array,
  shape: readonly number[],
  strides: readonly number[],
  row0: number,
  rows: number,
  es: number,
  out: Uint8Array,
): void {
  const nd = shape.length;
  const cols = shape[nd - 1];
  const cs = strides[nd - 1];
  // element offset of each row's first column
  const rowBase = new Float64Array(rows);
  const lead = shape.slice(0, nd - 1);
  const leadStrides = strides.slice(0, nd - 1);
  const { idx, off: first } = locate(lead, leadStrides, row0);
  let off = first;
  for (let r = 0; r < rows; r++) {
    rowBase[r] = off;
    idx[nd - 2]++;
    off += leadStrides[nd - 2] + carry(idx, lead, leadStrides, nd - 2);
  }
  const lanes = es === 8 ? 2 : 1;
  const word = es === 8 ? 4 : es;
  const view = (b: Uint8Array): Uint8Array | Uint16Array | Uint32Array =>
    word === 1
      ? b
      : word === 2
        ? new Uint16Array(b.buffer, b.byteOffset, b.length / 2)
        : new Uint32Array(b.buffer, b.byteOffset, b.length / 4);
  const s = view(src);
  const o = view(out);
  const BLOCK = 64;
  for (let j0 = 0; j0 < cols; j0 += BLOCK) {
    const j1 = Math.min(cols, j0 + BLOCK);
    for (let r = 0; r < rows; r++) {
      const base = rowBase[r];
      const outRow = r * cols;
      if (lanes === 1) {
        for (let j = j0; j < j1; j++) o[outRow + j] = s[base + j * cs];
      } else {
        for (let j = j0; j < j1; j++) {
          const from = 2 * (base + j * cs);
          const to = 2 * (outRow + j);
          o[to] = s[from];
          o[to + 1] = s[from + 1];
        }
      }
    }
  }
}
