// A pickle reader for torch.save's data.pkl. It interprets the opcodes itself and knows only
// the globals torch needs for tensors (rebuild functions, storage classes, dtypes, containers).
// Any other global (os.system, builtins.eval, …) stops the read with UnsafePickle naming it.
// Nothing is ever executed: "calling" an allowed global builds a plain description.
// Values: pickleTypes.ts; machine state and helpers: pickleMachine.ts; calls: pickleCall.ts;
// the dotted tensor names: pickleFlatten.ts. Nesting is capped, and a nesting that still
// exhausts the JavaScript stack is a PickleTooComplex naming the file, never a RangeError.
import { PickleTooComplex, TensorFileError } from './errors';
import { call } from './pickleCall';
import { PickleMachine } from './pickleMachine';
import { List, Tuple, Dict, type PickleLimits, type Value } from './pickleTypes';

export { PyGlobal, Tuple, List, Dict, StorageRef, TensorRef, type Value, type PickleLimits } from './pickleTypes';
export { flattenTensors } from './pickleFlatten';

export interface PickleResult {
  readonly root: Value;
  /** Opcodes executed (for tests of the caps). */
  readonly ops: number;
}

export function loadPickle(file: string, data: Uint8Array, limits: PickleLimits = {}): PickleResult {
  try {
    return run(new PickleMachine(file, data, limits));
  } catch (e) {
    throw tooDeep(file, e);
  }
}

/** A stack overflow (RangeError) becomes a one-line error naming the file; typed errors pass. */
export function tooDeep(file: string, e: unknown): unknown {
  if (e instanceof TensorFileError || !(e instanceof RangeError)) return e;
  return new PickleTooComplex(file, 'data.pkl nests values too deeply to read (the reader ran out of stack)');
}

function run(m: PickleMachine): PickleResult {
  while (true) {
    if (++m.ops > m.maxOps) throw new PickleTooComplex(m.file, `data.pkl runs more than ${m.maxOps.toLocaleString('en-US')} opcodes`);
    m.need(1);
    const op = m.data[m.pos++];
    switch (op) {
      case 0x80: // PROTO
        m.bytes(1);
        break;
      case 0x95: // FRAME
        m.u64();
        break;
      case 0x2e: // STOP
        if (m.stack.length !== 1 || m.marks.length)
          return { root: m.stack.length ? m.pop() : m.bad('stops with an empty stack'), ops: m.ops };
        return { root: m.pop(), ops: m.ops };
      case 0x28: // MARK
        m.mark();
        break;
      case 0x30: // POP
        if (m.stack.length === 0) m.bad('pops from an empty stack');
        m.stack.pop();
        break;
      case 0x31: // POP_MARK
        m.popMark();
        break;
      case 0x32: // DUP
        m.push(m.top());
        break;
      case 0x4a: // BININT
        m.need(4);
        m.push(m.dv.getInt32(m.pos, true));
        m.pos += 4;
        break;
      case 0x4b: // BININT1
        m.push(m.bytes(1)[0]);
        break;
      case 0x4d: // BININT2
        m.need(2);
        m.push(m.dv.getUint16(m.pos, true));
        m.pos += 2;
        break;
      case 0x8a: // LONG1
      case 0x8b: {
        // LONG4
        let n: number;
        if (op === 0x8a) n = m.bytes(1)[0];
        else {
          m.need(4);
          n = m.dv.getInt32(m.pos, true);
          m.pos += 4;
          if (n < 0 || n > 1024) m.bad('has a LONG4 integer longer than 1 KB');
        }
        const b = m.bytes(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        m.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x49: // INT (text)
      case 0x4c: {
        // LONG (text)
        const s = m.line().replace(/L$/, '');
        if (s === '00') m.push(false);
        else if (s === '01') m.push(true);
        else if (/^-?\d{1,30}$/.test(s)) m.push(Number.isSafeInteger(Number(s)) ? Number(s) : BigInt(s));
        else m.bad('has a malformed INT');
        break;
      }
      case 0x47: // BINFLOAT
        m.need(8);
        m.push(m.dv.getFloat64(m.pos, false));
        m.pos += 8;
        break;
      case 0x46: {
        // FLOAT (text)
        const f = Number(m.line());
        if (Number.isNaN(f)) m.bad('has a malformed FLOAT');
        m.push(f);
        break;
      }
      case 0x4e: // NONE
        m.push(null);
        break;
      case 0x88: // NEWTRUE
        m.push(true);
        break;
      case 0x89: // NEWFALSE
        m.push(false);
        break;
      case 0x58: {
        // BINUNICODE
        m.need(4);
        const n = m.dv.getUint32(m.pos, true);
        m.pos += 4;
        m.push(m.str(m.bytes(n)));
        break;
      }
      case 0x8c: // SHORT_BINUNICODE
        m.push(m.str(m.bytes(m.bytes(1)[0])));
        break;
      case 0x8d: // BINUNICODE8
        m.push(m.str(m.bytes(m.u64())));
        break;
      case 0x54: {
        // BINSTRING (Python 2 str)
        m.need(4);
        const n = m.dv.getInt32(m.pos, true);
        m.pos += 4;
        if (n < 0) m.bad('has a negative string length');
        m.push(m.latin1.decode(m.bytes(n)));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        m.push(m.latin1.decode(m.bytes(m.bytes(1)[0])));
        break;
      case 0x42: {
        // BINBYTES
        m.need(4);
        const n = m.dv.getUint32(m.pos, true);
        m.pos += 4;
        m.push(m.bytes(n).slice());
        break;
      }
      case 0x43: // SHORT_BINBYTES
        m.push(m.bytes(m.bytes(1)[0]).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        m.push(m.bytes(m.u64()).slice());
        break;
      case 0x56: // UNICODE (text, raw-unicode-escape; only plain text accepted)
      case 0x53: {
        // STRING (text, quoted)
        let s = m.line();
        if (op === 0x53) {
          if (s.length < 2 || (s[0] !== "'" && s[0] !== '"') || s[s.length - 1] !== s[0]) m.bad('has a malformed STRING');
          s = s.slice(1, -1);
        }
        if (s.includes('\\')) m.bad('has an escaped text string (not supported)');
        m.push(s);
        break;
      }
      case 0x29: // EMPTY_TUPLE
        m.push(new Tuple([]));
        break;
      case 0x74: // TUPLE
        m.push(new Tuple(m.popMark()));
        break;
      case 0x85: // TUPLE1
        m.push(new Tuple([m.pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = m.pop();
        const a = m.pop();
        m.push(new Tuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = m.pop();
        const b = m.pop();
        const a = m.pop();
        m.push(new Tuple([a, b, c]));
        break;
      }
      case 0x5d: // EMPTY_LIST
        m.push(new List([]));
        break;
      case 0x6c: // LIST
        m.push(new List(m.popMark()));
        break;
      case 0x61: {
        // APPEND
        const v = m.pop();
        const l = m.top();
        if (!(l instanceof List)) m.bad('appends to something that is not a list');
        (l as List).items.push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = m.popMark();
        const l = m.top();
        if (!(l instanceof List)) m.bad('appends to something that is not a list');
        for (const v of items) (l as List).items.push(v);
        break;
      }
      case 0x7d: // EMPTY_DICT
        m.push(new Dict());
        break;
      case 0x64: {
        // DICT
        const items = m.popMark();
        if (items.length % 2) m.bad('builds a dict from an odd number of items');
        const d = new Dict();
        for (let i = 0; i < items.length; i += 2) m.setItem(d, items[i], items[i + 1]);
        m.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = m.pop();
        const k = m.pop();
        m.setItem(m.top(), k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = m.popMark();
        if (items.length % 2) m.bad('sets items from an odd number of values');
        const d = m.top();
        for (let i = 0; i < items.length; i += 2) m.setItem(d, items[i], items[i + 1]);
        break;
      }
      case 0x8f: // EMPTY_SET
        m.push(new List([]));
        break;
      case 0x90: {
        // ADDITEMS
        const items = m.popMark();
        const s = m.top();
        if (!(s instanceof List)) m.bad('adds items to something that is not a set');
        for (const v of items) (s as List).items.push(v);
        break;
      }
      case 0x91: // FROZENSET
        m.push(new List(m.popMark()));
        break;
      case 0x63: {
        // GLOBAL
        const module = m.line();
        const name = m.line();
        m.push(m.global(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = m.pop();
        const module = m.pop();
        if (typeof module !== 'string' || typeof name !== 'string') m.bad('has a STACK_GLOBAL without two strings');
        m.push(m.global(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = m.pop();
        const fn = m.pop();
        m.push(call(m, fn, args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = m.pop();
        const cls = m.pop();
        m.push(call(m, cls, args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        m.pop(); // kwargs
        const args = m.pop();
        const cls = m.pop();
        m.push(call(m, cls, args));
        break;
      }
      case 0x62: {
        // BUILD: object state (OrderedDict._metadata, tensor hooks) carries no tensor data
        m.pop();
        m.top();
        break;
      }
      case 0x50: // PERSID
        m.push(m.persistent(new Tuple(m.line().split(','))));
        break;
      case 0x51: // BINPERSID
        m.push(m.persistent(m.pop()));
        break;
      case 0x70: {
        // PUT
        const k = Number(m.line());
        if (!Number.isSafeInteger(k)) m.bad('has a malformed PUT');
        m.setMemo(k, m.top());
        break;
      }
      case 0x71: // BINPUT
        m.setMemo(m.bytes(1)[0], m.top());
        break;
      case 0x72: // LONG_BINPUT
        m.need(4);
        m.setMemo(m.dv.getUint32(m.pos, true), m.top());
        m.pos += 4;
        break;
      case 0x94: // MEMOIZE
        m.setMemo(m.memo.size, m.top());
        break;
      case 0x67: {
        // GET
        const k = Number(m.line());
        if (!Number.isSafeInteger(k)) m.bad('has a malformed GET');
        m.push(m.getMemo(k));
        break;
      }
      case 0x68: // BINGET
        m.push(m.getMemo(m.bytes(1)[0]));
        break;
      case 0x6a: // LONG_BINGET
        m.need(4);
        m.push(m.getMemo(m.dv.getUint32(m.pos, true)));
        m.pos += 4;
        break;
      case 0x69: // INST
      case 0x6f: // OBJ
        if (op === 0x69) {
          const module = m.line();
          const name = m.line();
          m.global(module, name);
        }
        return m.bad('builds an object with INST/OBJ, which torch never writes');
      case 0x82:
      case 0x83:
      case 0x84:
        return m.bad('uses the extension registry (EXT opcodes), which torch never writes');
      default:
        return m.bad(`has unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}
