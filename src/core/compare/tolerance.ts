// Tolerance resolution: per-tensor entry > first matching name pattern > global flags >
// dtype defaults (the looser of the two sides). A level may set only atol or only rtol;
// the other falls through to the next level.
import type { DType } from '../tensors/types';
import type { CompareMap, ToleranceOverride } from './types';
import { compileTolerancePattern } from './mapFile';

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
  readonly source: 'dtype' | 'global' | 'pattern' | 'tensor';
}

const HALF: ReadonlySet<DType> = new Set<DType>(['F16', 'BF16']);
const EIGHT_BIT_OR_LESS: ReadonlySet<DType> = new Set<DType>([
  'F8_E4M3',
  'F8_E5M2',
  'F8_E4M3FNUZ',
  'F8_E5M2FNUZ',
  'F8_E8M0',
  'F6_E2M3',
  'F6_E3M2',
  'F4',
]);
const INTEGER: ReadonlySet<DType> = new Set<DType>(['BOOL', 'U8', 'I8', 'U16', 'I16', 'U32', 'I32', 'U64', 'I64']);

/** Starting tolerances mflux contributors use: fp32 and wider 1e-5/1e-5, fp16/bf16 1e-2/1e-2. */
export function dtypeDefault(dtype: DType): { atol: number; rtol: number } {
  if (INTEGER.has(dtype)) return { atol: 0, rtol: 0 };
  if (HALF.has(dtype)) return { atol: 1e-2, rtol: 1e-2 };
  // 8-bit and smaller floats carry at most 3 mantissa bits; 1e-2 would flag nearly every element.
  if (EIGHT_BIT_OR_LESS.has(dtype)) return { atol: 1e-1, rtol: 1.25e-1 };
  return { atol: 1e-5, rtol: 1e-5 };
}

export interface CompiledTolerances {
  resolve(refName: string, refDtype: DType, candDtype: DType): Tolerance;
}

function checkValue(v: unknown, where: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${where} must be a non-negative number`);
  return v;
}

export function compileTolerances(global: ToleranceOverride, map: CompareMap | undefined): CompiledTolerances {
  const g = { atol: checkValue(global.atol, '--atol'), rtol: checkValue(global.rtol, '--rtol') };
  const patterns = (map?.tolerances ?? []).map((t, i) => {
    const re = compileTolerancePattern(t.pattern, i);
    return { re, atol: checkValue(t.atol, `tolerances[${i}].atol`), rtol: checkValue(t.rtol, `tolerances[${i}].rtol`) };
  });
  const tensors = new Map<string, ToleranceOverride>();
  for (const [name, t] of Object.entries(map?.tensors ?? {})) {
    if (typeof t !== 'object' || t === null) throw new Error(`tensors["${name}"] must be an object like {"atol": 1e-3}`);
    tensors.set(name, { atol: checkValue(t.atol, `tensors["${name}"].atol`), rtol: checkValue(t.rtol, `tensors["${name}"].rtol`) });
  }
  return {
    resolve(refName, refDtype, candDtype) {
      const a = dtypeDefault(refDtype);
      const b = dtypeDefault(candDtype);
      let atol = Math.max(a.atol, b.atol);
      let rtol = Math.max(a.rtol, b.rtol);
      let source: Tolerance['source'] = 'dtype';
      // Apply from the weakest level to the strongest, so the strongest set field wins.
      const levels: [ToleranceOverride | undefined, Tolerance['source']][] = [
        [g, 'global'],
        [patterns.find((p) => p.re.test(refName)), 'pattern'],
        [tensors.get(refName), 'tensor'],
      ];
      for (const [o, s] of levels) {
        if (!o) continue;
        if (o.atol !== undefined) {
          atol = o.atol;
          source = s;
        }
        if (o.rtol !== undefined) {
          rtol = o.rtol;
          source = s;
        }
      }
      return { atol, rtol, source };
    },
  };
}
