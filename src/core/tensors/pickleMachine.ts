// The state of one pickle run (input bytes, position, stack of stacks, memo) and the small
// operations the opcodes are made of. Every malformed input ends in a typed error naming
// the file and the byte position; caps bound stack, memo and dict-key nesting.
import { BadPickle, PickleTooComplex, UnsafePickle } from './errors';
import { Dict, Mark, PyGlobal, STORAGE_DTYPES, StorageRef, Tuple, isAllowed, type PickleLimits, type Value } from './pickleTypes';

/** Tuples nested inside one dict key; deeper keys are refused (Python's own repr recursion would be). */
const MAX_KEY_DEPTH = 64;

export class PickleMachine {
  readonly dv: DataView;
  readonly latin1 = new TextDecoder('latin1');
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });
  readonly maxOps: number;
  private readonly maxStack: number;
  private readonly maxMemo: number;
  pos = 0;
  ops = 0;
  stack: (Value | Mark)[] = [];
  readonly marks: (Value | Mark)[][] = [];
  readonly memo = new Map<number, Value>();

  constructor(
    readonly file: string,
    readonly data: Uint8Array,
    limits: PickleLimits = {},
  ) {
    this.maxOps = limits.maxOps ?? 20_000_000;
    this.maxStack = limits.maxStack ?? 1_000_000;
    this.maxMemo = limits.maxMemo ?? 1_000_000;
    this.dv = new DataView(data.buffer, data.byteOffset, data.length);
  }

  bad(why: string): never {
    throw new BadPickle(this.file, `data.pkl ${why} (at byte ${this.pos})`);
  }
  need(n: number): void {
    if (n < 0 || this.pos + n > this.data.length) this.bad('ends in the middle of an opcode');
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const b = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  line(): string {
    const end = this.data.indexOf(0x0a, this.pos);
    if (end < 0) this.bad('has an unterminated text argument');
    const s = this.latin1.decode(this.data.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }
  push(v: Value | Mark): void {
    if (this.stack.length >= this.maxStack) throw new PickleTooComplex(this.file, `data.pkl stack exceeds ${this.maxStack} items`);
    this.stack.push(v);
  }
  pop(): Value {
    const v = this.stack.pop();
    if (v === undefined) this.bad('pops from an empty stack');
    if (v instanceof Mark) this.bad('pops a mark as a value');
    return v as Value;
  }
  top(): Value {
    const v = this.stack[this.stack.length - 1];
    if (v === undefined || v instanceof Mark) this.bad('needs a value on the stack');
    return v as Value;
  }
  mark(): void {
    this.marks.push(this.stack);
    this.stack = [];
    if (this.marks.length > 10_000) throw new PickleTooComplex(this.file, 'data.pkl nests more than 10,000 marks');
  }
  popMark(): Value[] {
    const items = this.stack;
    const prev = this.marks.pop();
    if (!prev) this.bad('has no mark to pop to');
    this.stack = prev!;
    return items as Value[];
  }
  u64(): number {
    this.need(8);
    const v = this.dv.getUint32(this.pos + 4, true) * 2 ** 32 + this.dv.getUint32(this.pos, true);
    this.pos += 8;
    if (!Number.isSafeInteger(v)) this.bad('has a length beyond 2^53');
    return v;
  }
  str(b: Uint8Array): string {
    try {
      return this.utf8.decode(b);
    } catch {
      return this.bad('has a string that is not UTF-8');
    }
  }
  setMemo(k: number, v: Value): void {
    if (this.memo.size >= this.maxMemo && !this.memo.has(k))
      throw new PickleTooComplex(this.file, `data.pkl memo exceeds ${this.maxMemo} entries`);
    this.memo.set(k, v);
  }
  getMemo(k: number): Value {
    if (!this.memo.has(k)) this.bad(`reads memo slot ${k} that was never written`);
    return this.memo.get(k)!;
  }
  global(module: string, name: string): PyGlobal {
    if (!isAllowed(module, name)) {
      throw new UnsafePickle(
        this.file,
        `data.pkl refers to ${module}.${name.slice(0, 80)}, which is not allowed in a tensor file (nothing was executed)`,
      );
    }
    return new PyGlobal(module, name);
  }
  setItem(d: Value, k: Value, v: Value): void {
    if (!(d instanceof Dict)) this.bad('sets an item on something that is not a dict');
    (d as Dict).map.set(this.dictKey(k), v);
  }
  /** A dict key as a JS map key; tuple keys become their Python-like text, at most MAX_KEY_DEPTH deep. */
  dictKey(k: Value, depth = 0): string | number | boolean | null {
    if (k === null || typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean') return k;
    if (typeof k === 'bigint') return String(k);
    if (k instanceof Tuple) {
      if (depth >= MAX_KEY_DEPTH)
        throw new PickleTooComplex(this.file, `data.pkl has a dict key of tuples nested more than ${MAX_KEY_DEPTH} deep`);
      return `(${k.items.map((x) => String(this.dictKey(x, depth + 1))).join(', ')})`;
    }
    return this.bad('uses an unhashable or unsupported dict key');
  }
  persistent(pid: Value): Value {
    if (!(pid instanceof Tuple) || pid.items[0] !== 'storage' || pid.items.length !== 5)
      return this.bad('has a persistent id that is not a torch storage');
    const [, cls, key, location, numel] = (pid as Tuple).items;
    if (!(cls instanceof PyGlobal) || cls.module !== 'torch' || !(cls.name in STORAGE_DTYPES)) this.bad('has a storage of unknown type');
    if (typeof key !== 'string' || typeof location !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
      this.bad('has a storage id with wrong field types');
    }
    return new StorageRef(STORAGE_DTYPES[(cls as PyGlobal).name], key as string, location as string, numel as number);
  }
}
