// A pickle reader for torch.save's data.pkl. It interprets the opcodes itself and knows only
// the globals torch needs for tensors (rebuild functions, storage classes, dtypes, containers).
// Any other global (os.system, builtins.eval, …) stops the read with UnsafePickle naming it.
// Nothing is ever executed: "calling" an allowed global builds a plain description.
import type { DType } from './types';
import { BadPickle, PickleTooComplex, UnsafePickle, quote } from './errors';

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
class Mark {}

export type Value =
  null | boolean | number | bigint | string | Uint8Array | Tuple | List | Dict | PyGlobal | StorageRef | TensorRef | Set<never>;

const STORAGE_DTYPES: Record<string, DType | 'untyped'> = {
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
const TORCH_DTYPES: Record<string, DType> = {
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
const REBUILD_TENSOR = new Set(['torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_tensor_v3']);
const CALLABLE = new Set([
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
const TYPE_TOKENS = new Set(['torch.Tensor', 'torch.nn.parameter.Parameter', 'torch._tensor.Tensor']);

function isAllowed(module: string, name: string): boolean {
  const q = `${module}.${name}`;
  if (CALLABLE.has(q) || TYPE_TOKENS.has(q)) return true;
  if (module === 'torch' && (name in STORAGE_DTYPES || name in TORCH_DTYPES)) return true;
  return false;
}

export interface PickleResult {
  readonly root: Value;
  /** Opcodes executed (for tests of the caps). */
  readonly ops: number;
}

export function loadPickle(file: string, data: Uint8Array, limits: PickleLimits = {}): PickleResult {
  const maxOps = limits.maxOps ?? 20_000_000;
  const maxStack = limits.maxStack ?? 1_000_000;
  const maxMemo = limits.maxMemo ?? 1_000_000;
  const dv = new DataView(data.buffer, data.byteOffset, data.length);
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pos = 0;
  let ops = 0;
  let stack: (Value | Mark)[] = [];
  const marks: (Value | Mark)[][] = [];
  const memo = new Map<number, Value>();

  const bad = (why: string): never => {
    throw new BadPickle(file, `data.pkl ${why} (at byte ${pos})`);
  };
  const need = (n: number): void => {
    if (n < 0 || pos + n > data.length) bad('ends in the middle of an opcode');
  };
  const bytes = (n: number): Uint8Array => {
    need(n);
    const b = data.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const line = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) bad('has an unterminated text argument');
    const s = latin1.decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const push = (v: Value | Mark): void => {
    if (stack.length >= maxStack) throw new PickleTooComplex(file, `data.pkl stack exceeds ${maxStack} items`);
    stack.push(v);
  };
  const pop = (): Value => {
    const v = stack.pop();
    if (v === undefined) bad('pops from an empty stack');
    if (v instanceof Mark) bad('pops a mark as a value');
    return v as Value;
  };
  const top = (): Value => {
    const v = stack[stack.length - 1];
    if (v === undefined || v instanceof Mark) bad('needs a value on the stack');
    return v as Value;
  };
  const popMark = (): Value[] => {
    const items = stack;
    const prev = marks.pop();
    if (!prev) bad('has no mark to pop to');
    stack = prev!;
    return items as Value[];
  };
  const u64 = (): number => {
    need(8);
    const v = dv.getUint32(pos + 4, true) * 2 ** 32 + dv.getUint32(pos, true);
    pos += 8;
    if (!Number.isSafeInteger(v)) bad('has a length beyond 2^53');
    return v;
  };
  const str = (b: Uint8Array): string => {
    try {
      return utf8.decode(b);
    } catch {
      return bad('has a string that is not UTF-8');
    }
  };
  const setMemo = (k: number, v: Value): void => {
    if (memo.size >= maxMemo && !memo.has(k)) throw new PickleTooComplex(file, `data.pkl memo exceeds ${maxMemo} entries`);
    memo.set(k, v);
  };
  const getMemo = (k: number): Value => {
    if (!memo.has(k)) bad(`reads memo slot ${k} that was never written`);
    return memo.get(k)!;
  };
  const global = (module: string, name: string): PyGlobal => {
    if (!isAllowed(module, name)) {
      throw new UnsafePickle(
        file,
        `data.pkl refers to ${module}.${name.slice(0, 80)}, which is not allowed in a tensor file (nothing was executed)`,
      );
    }
    return new PyGlobal(module, name);
  };
  const setItem = (d: Value, k: Value, v: Value): void => {
    if (!(d instanceof Dict)) bad('sets an item on something that is not a dict');
    (d as Dict).map.set(dictKey(k), v);
  };
  const dictKey = (k: Value): string | number | boolean | null => {
    if (k === null || typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean') return k;
    if (typeof k === 'bigint') return String(k);
    if (k instanceof Tuple) return `(${k.items.map((x) => String(dictKey(x))).join(', ')})`;
    return bad('uses an unhashable or unsupported dict key');
  };
  const persistent = (pid: Value): Value => {
    if (!(pid instanceof Tuple) || pid.items[0] !== 'storage' || pid.items.length !== 5)
      return bad('has a persistent id that is not a torch storage');
    const [, cls, key, location, numel] = (pid as Tuple).items;
    if (!(cls instanceof PyGlobal) || cls.module !== 'torch' || !(cls.name in STORAGE_DTYPES)) bad('has a storage of unknown type');
    if (typeof key !== 'string' || typeof location !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
      bad('has a storage id with wrong field types');
    }
    return new StorageRef(STORAGE_DTYPES[(cls as PyGlobal).name], key as string, location as string, numel as number);
  };

  while (true) {
    if (++ops > maxOps) throw new PickleTooComplex(file, `data.pkl runs more than ${maxOps.toLocaleString('en-US')} opcodes`);
    need(1);
    const op = data[pos++];
    switch (op) {
      case 0x80: // PROTO
        bytes(1);
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length) return { root: stack.length ? pop() : bad('stops with an empty stack'), ops };
        return { root: pop(), ops };
      case 0x28: // MARK
        marks.push(stack);
        stack = [];
        if (marks.length > 10_000) throw new PickleTooComplex(file, 'data.pkl nests more than 10,000 marks');
        break;
      case 0x30: // POP
        if (stack.length === 0) bad('pops from an empty stack');
        stack.pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4a: // BININT
        need(4);
        push(dv.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b: // BININT1
        push(bytes(1)[0]);
        break;
      case 0x4d: // BININT2
        need(2);
        push(dv.getUint16(pos, true));
        pos += 2;
        break;
      case 0x8a: // LONG1
      case 0x8b: {
        // LONG4
        let n: number;
        if (op === 0x8a) n = bytes(1)[0];
        else {
          need(4);
          n = dv.getInt32(pos, true);
          pos += 4;
          if (n < 0 || n > 1024) bad('has a LONG4 integer longer than 1 KB');
        }
        const b = bytes(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x49: // INT (text)
      case 0x4c: {
        // LONG (text)
        const s = line().replace(/L$/, '');
        if (s === '00') push(false);
        else if (s === '01') push(true);
        else if (/^-?\d{1,30}$/.test(s)) push(Number.isSafeInteger(Number(s)) ? Number(s) : BigInt(s));
        else bad('has a malformed INT');
        break;
      }
      case 0x47: // BINFLOAT
        need(8);
        push(dv.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x46: {
        // FLOAT (text)
        const f = Number(line());
        if (Number.isNaN(f)) bad('has a malformed FLOAT');
        push(f);
        break;
      }
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x58: {
        // BINUNICODE
        need(4);
        const n = dv.getUint32(pos, true);
        pos += 4;
        push(str(bytes(n)));
        break;
      }
      case 0x8c: // SHORT_BINUNICODE
        push(str(bytes(bytes(1)[0])));
        break;
      case 0x8d: // BINUNICODE8
        push(str(bytes(u64())));
        break;
      case 0x54: {
        // BINSTRING (Python 2 str)
        need(4);
        const n = dv.getInt32(pos, true);
        pos += 4;
        if (n < 0) bad('has a negative string length');
        push(latin1.decode(bytes(n)));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        push(latin1.decode(bytes(bytes(1)[0])));
        break;
      case 0x42: {
        // BINBYTES
        need(4);
        const n = dv.getUint32(pos, true);
        pos += 4;
        push(bytes(n).slice());
        break;
      }
      case 0x43: // SHORT_BINBYTES
        push(bytes(bytes(1)[0]).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        push(bytes(u64()).slice());
        break;
      case 0x56: // UNICODE (text, raw-unicode-escape; only plain text accepted)
      case 0x53: {
        // STRING (text, quoted)
        let s = line();
        if (op === 0x53) {
          if (s.length < 2 || (s[0] !== "'" && s[0] !== '"') || s[s.length - 1] !== s[0]) bad('has a malformed STRING');
          s = s.slice(1, -1);
        }
        if (s.includes('\\')) bad('has an escaped text string (not supported)');
        push(s);
        break;
      }
      case 0x29: // EMPTY_TUPLE
        push(new Tuple([]));
        break;
      case 0x74: // TUPLE
        push(new Tuple(popMark()));
        break;
      case 0x85: // TUPLE1
        push(new Tuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        push(new Tuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        push(new Tuple([a, b, c]));
        break;
      }
      case 0x5d: // EMPTY_LIST
        push(new List([]));
        break;
      case 0x6c: // LIST
        push(new List(popMark()));
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        const l = top();
        if (!(l instanceof List)) bad('appends to something that is not a list');
        (l as List).items.push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const l = top();
        if (!(l instanceof List)) bad('appends to something that is not a list');
        for (const v of items) (l as List).items.push(v);
        break;
      }
      case 0x7d: // EMPTY_DICT
        push(new Dict());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        if (items.length % 2) bad('builds a dict from an odd number of items');
        const d = new Dict();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1]);
        push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItem(top(), k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        if (items.length % 2) bad('sets items from an odd number of values');
        const d = top();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1]);
        break;
      }
      case 0x8f: // EMPTY_SET
        push(new List([]));
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof List)) bad('adds items to something that is not a set');
        for (const v of items) (s as List).items.push(v);
        break;
      }
      case 0x91: // FROZENSET
        push(new List(popMark()));
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        push(global(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') bad('has a STACK_GLOBAL without two strings');
        push(global(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        push(call(fn, args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        push(call(cls, args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        pop(); // kwargs
        const args = pop();
        const cls = pop();
        push(call(cls, args));
        break;
      }
      case 0x62: {
        // BUILD: object state (OrderedDict._metadata, tensor hooks) carries no tensor data
        pop();
        top();
        break;
      }
      case 0x50: // PERSID
        push(persistent(new Tuple(line().split(','))));
        break;
      case 0x51: // BINPERSID
        push(persistent(pop()));
        break;
      case 0x70: {
        // PUT
        const k = Number(line());
        if (!Number.isSafeInteger(k)) bad('has a malformed PUT');
        setMemo(k, top());
        break;
      }
      case 0x71: // BINPUT
        setMemo(bytes(1)[0], top());
        break;
      case 0x72: // LONG_BINPUT
        need(4);
        setMemo(dv.getUint32(pos, true), top());
        pos += 4;
        break;
      case 0x94: // MEMOIZE
        setMemo(memo.size, top());
        break;
      case 0x67: {
        // GET
        const k = Number(line());
        if (!Number.isSafeInteger(k)) bad('has a malformed GET');
        push(getMemo(k));
        break;
      }
      case 0x68: // BINGET
        push(getMemo(bytes(1)[0]));
        break;
      case 0x6a: // LONG_BINGET
        need(4);
        push(getMemo(dv.getUint32(pos, true)));
        pos += 4;
        break;
      case 0x69: // INST
      case 0x6f: // OBJ
        if (op === 0x69) {
          const module = line();
          const name = line();
          global(module, name);
        }
        return bad('builds an object with INST/OBJ, which torch never writes');
      case 0x82:
      case 0x83:
      case 0x84:
        return bad('uses the extension registry (EXT opcodes), which torch never writes');
      default:
        return bad(`has unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }

  function call(fnV: Value, argsV: Value): Value {
    if (!(fnV instanceof PyGlobal)) return bad('calls something that is not an allowed global');
    const fn = fnV as PyGlobal;
    const q = fn.qualified;
    if (!CALLABLE.has(q) && !(fn.module === 'torch' && fn.name in STORAGE_DTYPES)) {
      throw new UnsafePickle(file, `data.pkl calls ${q}, which is not allowed in a tensor file (nothing was executed)`);
    }
    if (!(argsV instanceof Tuple)) return bad(`calls ${q} without an argument tuple`);
    const args = (argsV as Tuple).items;
    if (REBUILD_TENSOR.has(q)) return rebuildTensor(q, args);
    switch (q) {
      case 'torch._utils._rebuild_parameter':
      case 'torch._utils._rebuild_parameter_with_state':
        if (!(args[0] instanceof TensorRef)) bad(`calls ${q} without a tensor`);
        return args[0];
      case 'torch._tensor._rebuild_from_type_v2': {
        const [inner, type, innerArgs] = args;
        if (!(type instanceof PyGlobal) || !TYPE_TOKENS.has(type.qualified)) bad('rebuilds a tensor of an unknown subclass');
        return call(inner, innerArgs);
      }
      case 'collections.OrderedDict':
      case 'builtins.dict': {
        const d = new Dict();
        const init = args[0];
        if (init instanceof List || init instanceof Tuple) {
          for (const pair of init.items) {
            if (!(pair instanceof Tuple) || pair.items.length !== 2) bad('builds a dict from something other than pairs');
            setItem(d, (pair as Tuple).items[0], (pair as Tuple).items[1]);
          }
        } else if (init instanceof Dict) {
          for (const [k, v] of init.map) d.map.set(k, v);
        } else if (init !== undefined) bad('builds a dict from an unsupported value');
        return d;
      }
      case 'torch.device':
        return args.map(String).join(':');
      case 'torch.Size':
      case 'builtins.tuple':
        return new Tuple(seq(args[0]));
      case 'builtins.list':
      case 'builtins.set':
      case 'builtins.frozenset':
      case '__builtin__.set':
      case '__builtin__.frozenset':
        return new List(seq(args[0]));
      case '_codecs.encode': {
        const [s, enc] = args;
        if (typeof s !== 'string' || (enc !== 'latin1' && enc !== 'latin-1')) bad('calls _codecs.encode with unexpected arguments');
        return Uint8Array.from(s as string, (c) => c.charCodeAt(0) & 0xff);
      }
      default:
        // storage classes are only meaningful inside persistent ids
        return bad(`calls ${q} directly`);
    }
  }

  function seq(v: Value | undefined): Value[] {
    if (v === undefined) return [];
    if (v instanceof List || v instanceof Tuple) return [...v.items];
    return bad('expects a sequence');
  }

  function ints(v: Value, what: string): number[] {
    const items = v instanceof Tuple || v instanceof List ? v.items : bad(`has a ${what} that is not a tuple`);
    if (!(items as Value[]).every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0))
      bad(`has a ${what} that is not non-negative integers`);
    return items as number[];
  }

  function rebuildTensor(q: string, args: Value[]): TensorRef {
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof StorageRef)) return bad(`calls ${q} without a storage`);
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) return bad(`calls ${q} with a bad storage offset`);
    const sz = ints(size, 'size');
    const st = ints(stride, 'stride');
    if (sz.length !== st.length) bad(`calls ${q} with size and stride of different lengths`);
    let dtype: DType | 'untyped' = storage.dtype;
    if (q.endsWith('_v3')) {
      const d = args[6];
      if (!(d instanceof PyGlobal) || d.module !== 'torch' || !(d.name in TORCH_DTYPES)) return bad(`calls ${q} without a torch dtype`);
      dtype = TORCH_DTYPES[d.name];
    }
    if (dtype === 'untyped') return bad('rebuilds a tensor from an untyped storage without a dtype');
    return new TensorRef(storage, dtype, offset, sz, st);
  }
}

/** Flattens nested dicts/lists/tuples into dotted names; non-tensor leaves are skipped. */
export function flattenTensors(file: string, root: Value, maxDepth = 256): { name: string; tensor: TensorRef }[] {
  const out: { name: string; tensor: TensorRef }[] = [];
  const onPath = new Set<object>();
  let visits = 0;
  const visit = (v: Value, name: string, depth: number): void => {
    // shared sub-containers (memo) could make the walk exponential; cap the work instead
    if (++visits > 10_000_000) throw new PickleTooComplex(file, 'data.pkl refers to more than 10,000,000 values');
    if (depth > maxDepth) throw new PickleTooComplex(file, `data.pkl nests containers more than ${maxDepth} deep`);
    if (v instanceof TensorRef) {
      out.push({ name, tensor: v });
      return;
    }
    const children: [string, Value][] =
      v instanceof Dict
        ? [...v.map].map(([k, x]) => [pyStr(k), x])
        : v instanceof List || v instanceof Tuple
          ? v.items.map((x, i) => [String(i), x])
          : [];
    if (!children.length) return;
    if (onPath.has(v as object)) throw new BadPickle(file, `data.pkl contains a container that includes itself (at ${quote(name)})`);
    onPath.add(v as object);
    for (const [k, x] of children) visit(x, name ? `${name}.${k}` : k, depth + 1);
    onPath.delete(v as object);
  };
  visit(root, '', 0);
  return out;
}

/** A dict key as Python's str() spells it (True, None), so names match what Python shows. */
function pyStr(k: string | number | boolean | null): string {
  if (k === null) return 'None';
  if (typeof k === 'boolean') return k ? 'True' : 'False';
  return String(k);
}
