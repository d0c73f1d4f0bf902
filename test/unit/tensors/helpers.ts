// Shared by the tensor tests: the generated fixtures and NumPy's expected values.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureGenerated } from '../../helpers/python';

export interface ExpectedTensor {
  name: string;
  dtype: string;
  shape: number[];
  values: string | null;
}
export interface ExpectedFile {
  path: string;
  tensors: ExpectedTensor[];
}

let cached: { dir: string; files: ExpectedFile[]; f8: { hex: string; values: number[] } } | undefined;

export function fixtures(): { dir: string; files: ExpectedFile[]; f8: { hex: string; values: number[] } } {
  if (!cached) {
    const dir = ensureGenerated('tensors', 'test/fixtures/make_tensors.py');
    const j = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
    cached = { dir, files: j.files, f8: j.f8_vector };
  }
  return cached;
}

export function expectedValues(dir: string, rel: string): Float64Array {
  const b = readFileSync(join(dir, rel));
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

/** Exact comparison after rounding NumPy's double to the reader's output precision. */
export function firstMismatch(actual: ArrayLike<number>, expected: Float64Array, double: boolean): string | undefined {
  if (actual.length !== expected.length) return `length ${actual.length} != ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const e = double ? expected[i] : Math.fround(expected[i]);
    const a = actual[i];
    const same = (Number.isNaN(e) && Number.isNaN(a)) || (a === e && (a !== 0 || 1 / a === 1 / e));
    if (!same) return `index ${i}: got ${a}, expected ${e}`;
  }
  return undefined;
}
