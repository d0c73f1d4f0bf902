// The values a torch.save pickle can build, and the allow-list of globals: torch's rebuild
// functions, storage classes, dtypes and plain containers. Anything else is refused by name.
import type { DType } from './types';

export interface PickleLimits {
  readonly maxOps?: number;
  readonly maxStack?: number;
  readonly maxMemo?: number;
}

export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}
export class Tuple {
  constructor(readonly items: Value[]) {}
}
export class List {
  constructor(readonly items: Value[]) {}
}
export class Dict {
  readonly map = new Map<string | number | boolean | null, Value>();
}
/** A storage named by a persistent id: ('storage', <class>, key, location, numel). */
export class StorageRef {
  constructor(
    readonly dtype: DType | 'untyped',
    readonly key: string,
    readonly location: string,
    readonly numel: number,
  ) {}
}
/** torch._utils._rebuild_tensor_v2/_v3: a strided view into a storage. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly dtype: DType,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
  ) {}
}
/** A MARK on the pickle stack (a stack of stacks). */
export class Mark {}

export type Value =
  null | boolean | number | bigint | string | Uint8Array | Tuple | List | Dict | PyGlobal | StorageRef | TensorRef | Set<never>;

export const STORAGE_DTYPES: Record<string, DType | 'untyped'> = {
  FloatStorage: 'F32',
  DoubleStorage: 'F64',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
  ComplexFloatStorage: 'C64',
  ComplexDoubleStorage: 'C128',
  UntypedStorage: 'untyped',
};
export const TORCH_DTYPES: Record<string, DType> = {
  float32: 'F32',
  float: 'F32',
  float64: 'F64',
  double: 'F64',
  float16: 'F16',
  half: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  long: 'I64',
  int32: 'I32',
  int: 'I32',
  int16: 'I16',
  short: 'I16',
  int8: 'I8',
  uint8: 'U8',
  uint16: 'U16',
  uint32: 'U32',
  uint64: 'U64',
  bool: 'BOOL',
  complex64: 'C64',
  complex128: 'C128',
  float8_e4m3fn: 'F8_E4M3',
  float8_e5m2: 'F8_E5M2',
  float8_e4m3fnuz: 'F8_E4M3FNUZ',
  float8_e5m2fnuz: 'F8_E5M2FNUZ',
  float8_e8m0fnu: 'F8_E8M0',
};
export const REBUILD_TENSOR = new Set(['torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_tensor_v3']);
export const CALLABLE = new Set([
  ...REBUILD_TENSOR,
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch._tensor._rebuild_from_type_v2',
  'collections.OrderedDict',
  'torch.device',
  'torch.Size',
  '_codecs.encode',
  'builtins.set',
  'builtins.frozenset',
  'builtins.list',
  'builtins.tuple',
  'builtins.dict',
  '__builtin__.set',
  '__builtin__.frozenset',
]);
/** Types that appear only as arguments (e.g. the class given to _rebuild_from_type_v2). */
export const TYPE_TOKENS = new Set(['torch.Tensor', 'torch.nn.parameter.Parameter', 'torch._tensor.Tensor']);

export function isAllowed(module: string, name: string): boolean {
  const q = `${module}.${name}`;
  if (CALLABLE.has(q) || TYPE_TOKENS.has(q)) return true;
  if (module === 'torch' && (name in STORAGE_DTYPES || name in TORCH_DTYPES)) return true;
  return false;
}
