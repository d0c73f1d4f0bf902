// REDUCE / NEWOBJ of an allowed global: torch's tensor rebuild functions become TensorRefs,
// containers become Dict/List/Tuple. Nothing is executed; any other callable is UnsafePickle.
import type { DType } from './types';
import { PickleTooComplex, UnsafePickle } from './errors';
import type { PickleMachine } from './pickleMachine';
import {
  CALLABLE,
  Dict,
  List,
  PyGlobal,
  REBUILD_TENSOR,
  STORAGE_DTYPES,
  StorageRef,
  TORCH_DTYPES,
  TYPE_TOKENS,
  TensorRef,
  Tuple,
  type Value,
} from './pickleTypes';

/** Tensor subclasses wrapped in tensor subclasses; torch writes one level. */
const MAX_CALL_DEPTH = 64;

/** "Calls" an allowed global: builds the plain description of what torch would build. */
export function call(m: PickleMachine, fnV: Value, argsV: Value, depth = 0): Value {
  if (!(fnV instanceof PyGlobal)) return m.bad('calls something that is not an allowed global');
  const fn = fnV as PyGlobal;
  const q = fn.qualified;
  if (!CALLABLE.has(q) && !(fn.module === 'torch' && fn.name in STORAGE_DTYPES)) {
    throw new UnsafePickle(m.file, `data.pkl calls ${q}, which is not allowed in a tensor file (nothing was executed)`);
  }
  if (!(argsV instanceof Tuple)) return m.bad(`calls ${q} without an argument tuple`);
  const args = (argsV as Tuple).items;
  if (REBUILD_TENSOR.has(q)) return rebuildTensor(m, q, args);
  switch (q) {
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      if (!(args[0] instanceof TensorRef)) m.bad(`calls ${q} without a tensor`);
      return args[0];
    case 'torch._tensor._rebuild_from_type_v2': {
      const [inner, type, innerArgs] = args;
      if (!(type instanceof PyGlobal) || !TYPE_TOKENS.has(type.qualified)) m.bad('rebuilds a tensor of an unknown subclass');
      if (depth >= MAX_CALL_DEPTH)
        throw new PickleTooComplex(m.file, `data.pkl nests _rebuild_from_type_v2 more than ${MAX_CALL_DEPTH} deep`);
      return call(m, inner, innerArgs, depth + 1);
    }
    case 'collections.OrderedDict':
    case 'builtins.dict': {
      const d = new Dict();
      const init = args[0];
      if (init instanceof List || init instanceof Tuple) {
        for (const pair of init.items) {
          if (!(pair instanceof Tuple) || pair.items.length !== 2) m.bad('builds a dict from something other than pairs');
          m.setItem(d, (pair as Tuple).items[0], (pair as Tuple).items[1]);
        }
      } else if (init instanceof Dict) {
        for (const [k, v] of init.map) d.map.set(k, v);
      } else if (init !== undefined) m.bad('builds a dict from an unsupported value');
      return d;
    }
    case 'torch.device':
      return args.map(String).join(':');
    case 'torch.Size':
    case 'builtins.tuple':
      return new Tuple(seq(m, args[0]));
    case 'builtins.list':
    case 'builtins.set':
    case 'builtins.frozenset':
    case '__builtin__.set':
    case '__builtin__.frozenset':
      return new List(seq(m, args[0]));
    case '_codecs.encode': {
      const [s, enc] = args;
      if (typeof s !== 'string' || (enc !== 'latin1' && enc !== 'latin-1')) m.bad('calls _codecs.encode with unexpected arguments');
      return Uint8Array.from(s as string, (c) => c.charCodeAt(0) & 0xff);
    }
    default:
      // storage classes are only meaningful inside persistent ids
      return m.bad(`calls ${q} directly`);
  }
}

function seq(m: PickleMachine, v: Value | undefined): Value[] {
  if (v === undefined) return [];
  if (v instanceof List || v instanceof Tuple) return [...v.items];
  return m.bad('expects a sequence');
}

function ints(m: PickleMachine, v: Value, what: string): number[] {
  const items = v instanceof Tuple || v instanceof List ? v.items : m.bad(`has a ${what} that is not a tuple`);
  if (!(items as Value[]).every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0))
    m.bad(`has a ${what} that is not non-negative integers`);
  return items as number[];
}

function rebuildTensor(m: PickleMachine, q: string, args: Value[]): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) return m.bad(`calls ${q} without a storage`);
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) return m.bad(`calls ${q} with a bad storage offset`);
  const sz = ints(m, size, 'size');
  const st = ints(m, stride, 'stride');
  if (sz.length !== st.length) m.bad(`calls ${q} with size and stride of different lengths`);
  let dtype: DType | 'untyped' = storage.dtype;
  if (q.endsWith('_v3')) {
    const d = args[6];
    if (!(d instanceof PyGlobal) || d.module !== 'torch' || !(d.name in TORCH_DTYPES)) return m.bad(`calls ${q} without a torch dtype`);
    dtype = TORCH_DTYPES[d.name];
  }
  if (dtype === 'untyped') return m.bad('rebuilds a tensor from an untyped storage without a dtype');
  return new TensorRef(storage, dtype, offset, sz, st);
}
