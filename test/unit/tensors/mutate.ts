// Seeded mutations of valid files for the fuzz tests: truncation, bit flips, random bytes,
// extreme integers, insertions and deletions, mostly near the start (headers) and the end (zip
// directories), where the structure lives.

export type MutationKind = 'truncate' | 'flip' | 'randomise' | 'extreme' | 'insert' | 'delete';

export interface Mutation {
  readonly bytes: Uint8Array;
  readonly kind: MutationKind;
  /** What was done, for the failure message: `truncate at 120`. */
  readonly how: string;
}

/** A small seeded PRNG (mulberry32): the same cases on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function mutate(src: Uint8Array, r: () => number): Mutation {
  const int = (n: number) => Math.floor(r() * n);
  const b = Uint8Array.from(src);
  // most structure lives at the start (headers) and the end (zip directories)
  const pos = () => (r() < 0.4 ? int(Math.min(b.length, 512)) : r() < 0.5 ? b.length - 1 - int(Math.min(b.length, 512)) : int(b.length));
  switch (int(6)) {
    case 0: {
      const at = int(b.length);
      return { bytes: b.subarray(0, at), kind: 'truncate', how: `truncate at ${at}` };
    }
    case 1: {
      const n = 1 + int(8);
      const at: number[] = [];
      for (let k = 0; k < n; k++) {
        const p = pos();
        b[p] ^= 1 << int(8);
        at.push(p);
      }
      return { bytes: b, kind: 'flip', how: `flip bits at ${at.join(',')}` };
    }
    case 2: {
      const p = pos();
      const n = 1 + int(32);
      for (let k = p; k < Math.min(b.length, p + n); k++) b[k] = int(256);
      return { bytes: b, kind: 'randomise', how: `randomise ${n} bytes at ${p}` };
    }
    case 3: {
      const p = Math.min(pos(), b.length - 8);
      const v = [0xff, 0x7f, 0x00, 0x80][int(4)];
      const n = [2, 4, 8][int(3)];
      for (let k = 0; k < n; k++) b[p + k] = v;
      return { bytes: b, kind: 'extreme', how: `extreme ${n}-byte value 0x${v.toString(16)} at ${p}` };
    }
    case 4: {
      const p = pos();
      const n = 1 + int(16);
      const out = new Uint8Array(b.length + n);
      out.set(b.subarray(0, p));
      for (let k = 0; k < n; k++) out[p + k] = int(256);
      out.set(b.subarray(p), p + n);
      return { bytes: out, kind: 'insert', how: `insert ${n} bytes at ${p}` };
    }
    default: {
      const n = Math.min(1 + int(16), b.length);
      const p = Math.max(0, Math.min(pos(), b.length - n));
      const out = new Uint8Array(b.length - n);
      out.set(b.subarray(0, p));
      out.set(b.subarray(p + n), p);
      return { bytes: out, kind: 'delete', how: `delete ${n} bytes at ${p}` };
    }
  }
}
