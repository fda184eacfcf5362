/**
 * A small, safe Python pickle interpreter for what torch.save emits (protocols 2–5, binary opcodes).
 *
 * Safety comes from construction: a pickle can only name globals, and this interpreter resolves
 * them through the caller's whitelist (`resolveGlobal`), so nothing outside it can be "called".
 * Values map to plain JS: dicts (and OrderedDicts) become Map, tuples and lists become arrays,
 * ints become number (bigint past 2^53), str becomes string, bytes become Uint8Array.
 */

/** A Python callable the caller chose to allow: REDUCE calls `call(args)`, NEWOBJ calls `construct(args)`. */
export interface PickleCallable {
  readonly module: string;
  readonly name: string;
  call?(args: unknown[]): unknown;
  construct?(args: unknown[]): unknown;
}

export interface UnpickleOptions {
  /** Returns the callable for `module.name`, or undefined to reject the pickle. */
  resolveGlobal(module: string, name: string): PickleCallable | undefined;
  /** The pickle's persistent ids (torch: storage references). Without it BINPERSID is an error. */
  persistentLoad?(pid: unknown): unknown;
  /** BUILD on an object: apply `state`. Default: Maps ignore state (OrderedDict `_metadata`); others throw. */
  build?(target: unknown, state: unknown): unknown;
}

export interface UnpickleResult {
  value: unknown;
  /** Offset just past the STOP opcode: torch's legacy format stores several pickles back to back. */
  end: number;
}

export class PickleError extends Error {
  override name = 'PickleError';
}

const MARK = Symbol('mark');
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes the pickle that starts at `offset` in `bytes`. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions, offset = 0): UnpickleResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = offset;

  const need = (n: number): number => {
    if (pos + n > bytes.length) throw new PickleError(`pickle truncated at byte ${pos} (needs ${n} more bytes)`);
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = () => bytes[need(1)];
  const u16 = () => view.getUint16(need(2), true);
  const u32 = () => view.getUint32(need(4), true);
  const i32 = () => view.getInt32(need(4), true);
  const u64 = () => {
    const value = view.getBigUint64(need(8), true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new PickleError(`pickle length ${value} too large`);
    return Number(value);
  };
  const raw = (n: number) => bytes.subarray(need(n), pos);
  const utf8 = (n: number) => textDecoder.decode(raw(n));
  // Python 2 `str` (BINSTRING) is bytes; torch's old files only put ASCII names there.
  const latin1 = (n: number) => String.fromCharCode(...raw(n));
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new PickleError(`pickle truncated: unterminated line at byte ${pos}`);
    const text = latin1(end - pos);
    pos = end + 1;
    return text;
  };

  const pop = (): unknown => {
    if (stack.length === 0) throw new PickleError(`pickle stack underflow at byte ${pos}`);
    const value = stack.pop();
    if (value === MARK) throw new PickleError(`unexpected MARK on the pickle stack at byte ${pos}`);
    return value;
  };
  const top = (): unknown => {
    const value = stack[stack.length - 1];
    if (stack.length === 0 || value === MARK) throw new PickleError(`pickle stack empty at byte ${pos}`);
    return value;
  };
  const popToMark = (): unknown[] => {
    const markAt = stack.lastIndexOf(MARK);
    if (markAt < 0) throw new PickleError(`pickle MARK missing at byte ${pos}`);
    const items = stack.splice(markAt);
    items.shift();
    return items;
  };
  const memoGet = (index: number): unknown => {
    if (!memo.has(index)) throw new PickleError(`pickle memo ${index} read before it was written`);
    return memo.get(index);
  };
  const global = (module: string, name: string): PickleCallable => {
    const found = options.resolveGlobal(module, name);
    if (!found) throw new PickleError(`pickle refers to ${module}.${name}, which this reader does not accept`);
    return found;
  };
  const callable = (value: unknown, opcode: string): PickleCallable => {
    if (typeof value !== 'object' || value === null || !('module' in value)) throw new PickleError(`${opcode} on a value that is not a callable`);
    return value as PickleCallable;
  };
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof Map)) throw new PickleError('SETITEM(S) on a value that is not a dict');
    if (items.length % 2 !== 0) throw new PickleError('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
  };
  const append = (target: unknown, items: unknown[]) => {
    if (!Array.isArray(target)) throw new PickleError('APPEND(S) on a value that is not a list');
    target.push(...items);
  };
  const int = (value: bigint): number | bigint => (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value);
  const long = (n: number): number | bigint => {
    // Little-endian two's complement, the way Python's LONG1/LONG4 encode arbitrary ints.
    const data = raw(n);
    let value = 0n;
    for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(data[i]);
    if (n > 0 && data[n - 1] & 0x80) value -= 1n << BigInt(8 * n);
    return int(value);
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw new PickleError(`pickle protocol above 5 at byte ${at}`);
        break;
      case 0x95: // FRAME: framing is only a read-ahead hint
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x30: // POP
        stack.pop();
        break;
      case 0x31: // POP_MARK
        popToMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x8a: // LONG1
        stack.push(long(u8()));
        break;
      case 0x8b: // LONG4
        stack.push(long(u32()));
        break;
      case 0x47: // BINFLOAT (big-endian double)
        stack.push(view.getFloat64(need(8), false));
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8(u64()));
        break;
      case 0x54: // BINSTRING
        stack.push(latin1(i32()));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1(u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(raw(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(raw(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(raw(u64()).slice());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
        stack.push(popToMark());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popToMark());
        break;
      case 0x61: {
        // APPEND
        const item = pop();
        append(top(), [item]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popToMark();
        append(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: {
        // DICT
        const dict = new Map();
        setItems(dict, popToMark());
        stack.push(dict);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popToMark();
        setItems(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(u32()));
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError(`STACK_GLOBAL without string names at byte ${at}`);
        stack.push(global(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = callable(pop(), 'REDUCE');
        if (!Array.isArray(args)) throw new PickleError(`REDUCE of ${fn.module}.${fn.name} without an argument tuple`);
        if (!fn.call) throw new PickleError(`${fn.module}.${fn.name} cannot be called here`);
        stack.push(fn.call(args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = callable(pop(), 'NEWOBJ');
        if (!Array.isArray(args)) throw new PickleError(`NEWOBJ of ${cls.module}.${cls.name} without an argument tuple`);
        if (!cls.construct) throw new PickleError(`${cls.module}.${cls.name} cannot be constructed here`);
        stack.push(cls.construct(args));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const target = pop();
        if (options.build) stack.push(options.build(target, state));
        else if (target instanceof Map) stack.push(target);
        else throw new PickleError(`BUILD on an unsupported object at byte ${at}`);
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) throw new PickleError('pickle has persistent ids but no loader for them');
        stack.push(options.persistentLoad(pid));
        break;
      }
      default:
        throw new PickleError(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at}`);
    }
  }
}
