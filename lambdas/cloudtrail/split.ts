/**
 * Incremental record splitter: finds each CloudTrail record in a stream of JSON text without
 * parsing the whole document, so memory stays bounded by the largest record, not the object.
 *
 * Accepted shapes: a log object `{"Records":[…]}`, a top-level array of records, and JSON lines
 * (a sequence of top-level objects). It scans characters, tracking strings, escapes and nesting
 * depth, and hands back each record's raw text with its key table (for JSON.parse, or for the
 * analyzer's partial parsing, record-view.ts).
 * Top-level objects without a `Records` array come back as records too; the reader decides
 * whether they are records, digests or something else.
 */
import { isAscii } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';
import type { Diagnostic, Severity } from '../sigma/model';
import { KEY_HASH_SLOTS, keyHashTable, keyIdAt, RECORD_KEYS } from './record-keys';
import { emptyHeader, headerSlotOf, noteHeaderEntry, type KeyTable } from './record-view';
import { SCAN_RECORD_WASM } from './scan-record-wasm';

/** Default limit for one record's text: 1 MiB (counted in UTF-16 code units, ≈ bytes for ASCII). */
export const DEFAULT_MAX_RECORD_CHARS = 1024 * 1024;

export interface RawRecord {
  /** 0-based index of the element in its file (records, skipped ones included). */
  index: number;
  /** The record's JSON text, exactly as in the input. */
  text: string;
  /**
   * Where the record's top-level keys and values sit in `text` (see record-view.ts), found while
   * splitting; absent when the splitter did not track them (e.g. more than MAX_TABLE_KEYS keys).
   */
  keys?: KeyTable | undefined;
  /**
   * The record's header (record-view.ts HEADER_KEYS: where the keys the analyzer reads itself
   * sit), noted while splitting. Absent when any key was not seen whole in one chunk.
   */
  header?: number[] | undefined;
  /**
   * True when no string in the record holds a backslash or a control character (so a string
   * value is its text between the quotes), as found by the WebAssembly loop for a record inside
   * one chunk; absent when unknown.
   */
  clean?: true | undefined;
}

export interface SplitProblem {
  severity: Severity;
  message: string;
  /** Record index the problem is about, when there is one. */
  index?: number;
}

export type SplitItem = ({ kind: 'record' } & RawRecord) | ({ kind: 'problem' } & SplitProblem);

export interface SplitOptions {
  /** Records longer than this many characters are skipped with a problem. */
  maxRecordChars?: number;
}

type Mode = 'start' | 'array' | 'objects' | 'after-array' | 'stopped';
type KeyState = 'none' | 'expectKey' | 'inKey' | 'afterKey' | 'inValue';

const QUOTE = 34;
const BACKSLASH = 92;
/** Records with more top-level keys than this get no key table (they are parsed whole). */
const MAX_TABLE_KEYS = 256;
// Key-table states inside a captured record, at its top level.
const RK_NONE = 0;
const RK_EXPECT_KEY = 1;
const RK_IN_KEY = 2;
const RK_AFTER_KEY = 3;
const RK_IN_VALUE = 4;
/** Key number of a key not seen whole in one chunk, until finishCapture reads it from the record's text. */
const KEY_ID_PENDING = -2;

/** Describes a character for messages without echoing much attacker text. */
function describeChar(ch: string): string {
  return JSON.stringify(ch);
}

/**
 * The hot loop compiled to WebAssembly (wasm/scan-record.ts): the same state machine as
 * scanInsideRecord over the bytes of an ASCII chunk, where byte offsets are the string offsets.
 * One instance serves every splitter: a chunk is copied in at the start of push and used only
 * within that synchronous call.
 */
interface WasmScanner {
  scanInside(i: number, n: number, base: number): number;
  memory: WasmMemory;
  /** i32 views over the state block (at 0) and the key-table entries (at OUT); renewed on growth. */
  state: Int32Array;
  out: Int32Array;
}
// Layout shared with wasm/scan-record.ts.
const W_IN = 65536;
const W_OUT = 2048;
const W_OUT_CAPACITY = 2048;
const W_KEY_HASH = 43008;
const W_KEY_ENTRIES = 44032;
const W_KEY_BYTES = 44544;
/** Larger chunks (a whole file given at once) are scanned in JavaScript: the module's memory never shrinks. */
const MAX_WASM_CHUNK = 8 * 1024 * 1024;
const W = {
  depth: 0,
  top: 1,
  rk: 2,
  ks: 3,
  ke: 4,
  vs: 5,
  id: 6,
  inString: 8,
  escape: 9,
  entries: 10,
  dropped: 11,
  stop: 12,
  dirty: 13,
} as const;

/** The parts of the WebAssembly API used here (the compiler's Node types do not declare them). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

let wasmScanner: WasmScanner | null | undefined;

function views(s: Omit<WasmScanner, 'state' | 'out'>): WasmScanner {
  return {
    ...s,
    state: new Int32Array(s.memory.buffer, 0, 16),
    out: new Int32Array(s.memory.buffer, W_OUT, W_OUT_CAPACITY * 5),
  };
}

/** The WebAssembly scanner, or null where WebAssembly is unavailable (the JavaScript loop then runs). */
function getWasmScanner(): WasmScanner | null {
  if (wasmScanner === undefined) {
    try {
      const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
      const instance = new api.Instance(new api.Module(Buffer.from(SCAN_RECORD_WASM, 'base64')), {});
      const exports = instance.exports as {
        scanInside: WasmScanner['scanInside'];
        memory: WasmMemory;
      };
      writeKeyList(exports.memory);
      wasmScanner = views({ scanInside: exports.scanInside, memory: exports.memory });
    } catch {
      wasmScanner = null;
    }
  }
  return wasmScanner;
}

/** The listed record keys (record-keys.ts) in the module's memory, where its keyId looks them up. */
function writeKeyList(memory: WasmMemory): void {
  const bytesNeeded = RECORD_KEYS.reduce((n, key) => n + key.length, 0);
  // The layout leaves room for 64 keys and 20 KiB of their text before the chunk (W_IN).
  if (RECORD_KEYS.length > (W_KEY_BYTES - W_KEY_ENTRIES) / 8 || W_KEY_BYTES + bytesNeeded > W_IN)
    throw new Error('record-keys.ts lists more keys than the WebAssembly layout holds');
  new Int32Array(memory.buffer, W_KEY_HASH, KEY_HASH_SLOTS).set(keyHashTable());
  const entries = new Int32Array(memory.buffer, W_KEY_ENTRIES, 2 * RECORD_KEYS.length);
  const bytes = new Uint8Array(memory.buffer);
  let at = W_KEY_BYTES;
  RECORD_KEYS.forEach((key, id) => {
    entries[2 * id] = at;
    entries[2 * id + 1] = key.length;
    bytes.set(Buffer.from(key, 'latin1'), at);
    at += key.length;
  });
}

let wasmChunks = 0;
/** How many chunks the WebAssembly loop has been given (tests check that it really ran). */
export function wasmChunkCount(): number {
  return wasmChunks;
}

/** Copies a chunk's bytes into the scanner's memory (growing it when needed). */
function loadChunk(scanner: WasmScanner, bytes: Uint8Array): WasmScanner {
  wasmChunks++;
  const needed = W_IN + bytes.length;
  if (scanner.memory.buffer.byteLength < needed) {
    scanner.memory.grow(Math.ceil((needed - scanner.memory.buffer.byteLength) / 65536));
    scanner = wasmScanner = views(scanner);
  }
  new Uint8Array(scanner.memory.buffer, W_IN, bytes.length).set(bytes);
  return scanner;
}

/** Whether splitters use the WebAssembly loop for ASCII chunks given with their bytes (tests turn it off). */
let useWasm = true;
export function setWasmScanning(on: boolean): void {
  useWasm = on;
}

/**
 * Push text in, get records and problems out. One instance per document. Not re-entrant.
 */
export class RecordSplitter {
  private mode: Mode = 'start';
  private depth = 0;
  private inString = false;
  private escape = false;
  /** Depth at which the elements we split out start (1: top array, 2: Records array, 0: JSON lines). */
  private elementDepth = 0;
  private capturing = false;
  private parts: string[] = [];
  private captured = 0;
  private oversized = false;
  private scalarElement = false;
  /** The element being captured is a whole top-level object (JSON lines, or no Records array yet). */
  private captureIsTop = false;
  private index = 0;
  /** Characters consumed before the current chunk (for messages). */
  private offset = 0;
  // Key tracking inside a top-level object (objects mode, depth 1, outside the Records array).
  private keyState: KeyState = 'none';
  private keyText = '';
  private recordsValueNext = false;
  private inRecords = false;
  private readonly max: number;
  private items: SplitItem[] = [];
  // The captured record's key table (offsets into its text) and where its scan is.
  private table: KeyTable | undefined;
  private header: number[] | undefined;
  /** Number of the key whose value is being read (record-keys.ts; -1: not listed). */
  private rkId = -1;
  /** Some key of the captured record has KEY_ID_PENDING. */
  private idsPending = false;
  private rk = RK_NONE;
  private rkKs = 0;
  private rkKe = 0;
  private rkVs = 0;
  /** The WebAssembly scanner holding this chunk's bytes, during push. */
  private wasm: WasmScanner | undefined;
  /** The captured record was scanned by WebAssembly only, and no string in it was dirty (RawRecord.clean). */
  private recordClean = false;

  constructor(options: SplitOptions = {}) {
    this.max = options.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS;
  }

  /** Number of elements seen so far (the next record's index). */
  get recordCount(): number {
    return this.index;
  }

  /**
   * Feeds the next piece of text; returns the records and problems completed by it. `bytes`, when
   * given, are the UTF-8 bytes `text` was decoded from: an ASCII chunk is then scanned by the
   * WebAssembly loop (same results, a fraction of the time). `ascii`: the caller found the bytes
   * to be ASCII already (they are not checked again).
   */
  push(text: string, bytes?: Uint8Array, ascii?: boolean): SplitItem[] {
    this.items = [];
    this.wasm = undefined;
    // A record that goes on from an earlier chunk was not all seen by one WebAssembly scan.
    this.recordClean = false;
    if (
      useWasm &&
      bytes !== undefined &&
      bytes.length === text.length &&
      bytes.length <= MAX_WASM_CHUNK &&
      (ascii === true || isAscii(bytes))
    ) {
      const scanner = getWasmScanner();
      if (scanner) this.wasm = loadChunk(scanner, bytes);
    }
    if (this.mode !== 'stopped') this.scan(text);
    this.wasm = undefined;
    this.offset += text.length;
    return this.items;
  }

  /** Signals the end of input; returns problems about anything left incomplete. */
  end(): SplitItem[] {
    this.items = [];
    const at = `at character ${this.offset}`;
    if (this.mode === 'start') {
      const what = this.offset === 0 ? 'empty file (0 bytes)' : 'no JSON content (only whitespace)';
      this.problem(
        'error',
        `${what}: expected a {"Records":[…]} log object, a JSON array of records or JSON lines`,
      );
    } else if (this.mode !== 'stopped' && (this.depth > 0 || this.inString)) {
      const open = this.capturing ? this.depth - this.elementDepth : this.depth;
      const unclosed = `${open} unclosed bracket${open === 1 ? '' : 's'}${this.inString ? ' and an unterminated string' : ''}`;
      if (this.capturing) {
        this.problem(
          'error',
          `truncated: record ${this.index} is incomplete ${at} (expected ${unclosed} to be closed)`,
          this.index,
        );
      } else if (this.inRecords) {
        this.problem(
          'error',
          `truncated after record ${this.index - 1}: expected "]" closing the Records array ${at}`,
        );
      } else if (this.mode === 'array') {
        this.problem(
          'error',
          `truncated after record ${this.index - 1}: expected "]" closing the top-level array ${at}`,
        );
      } else {
        this.problem('error', `truncated: expected "}" closing the log object ${at}`);
      }
    }
    this.mode = 'stopped';
    return this.items;
  }

  private problem(severity: Severity, message: string, index?: number): void {
    this.items.push(
      index === undefined
        ? { kind: 'problem', severity, message }
        : { kind: 'problem', severity, message, index },
    );
  }

  private stop(message: string): void {
    this.problem('error', message);
    this.mode = 'stopped';
    this.capturing = false;
    this.parts = [];
  }

  private beginCapture(): void {
    this.captureIsTop = this.mode === 'objects' && this.depth === 0;
    this.capturing = true;
    this.parts = [];
    this.captured = 0;
    this.oversized = false;
    this.table = undefined;
    this.header = undefined;
    this.idsPending = false;
    this.rk = RK_NONE;
    // Only elements of an array are scanned by scanInsideRecord (JSON lines are scanned by scan).
    this.recordClean = this.wasm !== undefined && this.elementDepth > 0;
  }

  private finishCapture(text: string, start: number, end: number): void {
    const size = this.captured + (end - start);
    if (this.oversized || size > this.max) {
      const what = this.captureIsTop
        ? `top-level object ${this.index} (with no "Records" array)`
        : `record ${this.index}`;
      this.problem(
        'error',
        `${what} is ${size} characters long, over the limit of ${this.max}; skipped`,
        this.index,
      );
    } else {
      const last = text.slice(start, end);
      const whole = this.parts.length === 0 ? last : this.parts.join('') + last;
      const table = this.table && this.table.length <= MAX_TABLE_KEYS * 5 ? this.table : undefined;
      if (table && this.idsPending) {
        // Keys cut by a chunk boundary get their number from the whole text.
        for (let t = 0; t < table.length; t += 5)
          if (table[t + 4] === KEY_ID_PENDING) table[t + 4] = keyIdAt(whole, table[t], table[t + 1]);
      }
      // Every record object has the same fields (undefined where unknown): one hidden class keeps
      // the analyzer's loads of them monomorphic.
      this.items.push({
        kind: 'record',
        index: this.index,
        text: whole,
        keys: table,
        header: table ? this.header : undefined,
        clean: this.recordClean && this.parts.length === 0 ? true : undefined,
      });
    }
    this.index++;
    this.capturing = false;
    this.parts = [];
    this.captured = 0;
    this.table = undefined;
    this.header = undefined;
    this.rk = RK_NONE;
  }

  /** A non-object element (string, number, literal) where a record was expected. */
  private nonObjectElement(what: string): void {
    this.problem('error', `record ${this.index} is ${what}, expected a JSON object`, this.index);
    this.index++;
  }

  /**
   * The hot loop: inside a record of a Records array or top-level array (most of the text), only
   * strings, nesting and the record's own keys matter. Runs on locals and returns at the record's
   * closing bracket (left for scan) or at the end of the chunk, with the state written back.
   */
  private scanInsideRecord(text: string, i: number, base: number): number {
    const n = text.length;
    const top = this.elementDepth + 1;
    let depth = this.depth;
    let rk = this.rk;
    let ks = this.rkKs;
    let ke = this.rkKe;
    let vs = this.rkVs;
    let table = this.table;
    let header = this.header;
    let id = this.rkId;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        const start = i + 1;
        let q = text.indexOf('"', start);
        while (q >= 0) {
          let k = q - 1;
          while (k >= start && text.charCodeAt(k) === BACKSLASH) k--;
          if ((q - 1 - k) % 2 === 0) break;
          q = text.indexOf('"', q + 1);
        }
        if (q < 0) {
          // The string goes on in the next chunk: hand over to scan's string state.
          let k = n - 1;
          while (k >= start && text.charCodeAt(k) === BACKSLASH) k--;
          this.inString = true;
          this.escape = (n - 1 - k) % 2 === 1;
          if (depth === top && rk === RK_EXPECT_KEY) {
            rk = RK_IN_KEY;
            ks = base + start;
          }
          i = n;
          break;
        }
        if (depth === top && rk === RK_EXPECT_KEY) {
          ks = base + start;
          ke = base + q;
          rk = RK_AFTER_KEY;
          id = keyIdAt(text, start, q);
        }
        i = q + 1;
        continue;
      }
      if (c === 123 || c === 91) {
        if (depth === top && rk === RK_EXPECT_KEY) {
          rk = RK_NONE; // `{` where a key belongs: not a JSON object, no table
          table = undefined;
          header = undefined;
        }
        depth++;
      } else if (c === 125 || c === 93) {
        if (depth === top) {
          // The record's closing bracket: scan finishes the capture (and pushes the last key).
          if (header && rk === RK_IN_VALUE) noteHeaderEntry(header, headerSlotOf(id), table!.length);
          break;
        }
        depth--;
      } else if (depth === top) {
        if (c === 58 && rk === RK_AFTER_KEY) {
          vs = base + i + 1;
          rk = RK_IN_VALUE;
        } else if (c === 44 && rk === RK_IN_VALUE) {
          if (header) noteHeaderEntry(header, headerSlotOf(id), table!.length);
          table!.push(ks, ke, vs, base + i, id);
          rk = RK_EXPECT_KEY;
        }
      }
      i++;
    }
    this.depth = depth;
    this.rk = rk;
    this.rkKs = ks;
    this.rkKe = ke;
    this.rkVs = vs;
    this.table = table;
    this.header = header;
    this.rkId = id;
    return i;
  }

  /** scanInsideRecord by the WebAssembly loop over the chunk's bytes (loaded by push). */
  private scanInsideRecordWasm(scanner: WasmScanner, i: number, n: number, base: number): number {
    const st = scanner.state;
    st[W.depth] = this.depth;
    st[W.top] = this.elementDepth + 1;
    st[W.rk] = this.rk;
    st[W.ks] = this.rkKs;
    st[W.ke] = this.rkKe;
    st[W.vs] = this.rkVs;
    st[W.id] = this.rkId;
    // A full output buffer (stop 2) resumes here, not in scan: scan's general loop would read the
    // next key itself, in JavaScript and without the clean check.
    for (;;) {
      i = scanner.scanInside(i, n, base);
      const entries = st[W.entries];
      if (entries > 0) {
        const out = scanner.out;
        const table = this.table!;
        const header = this.header;
        for (let e = 0; e < entries * 5; e += 5) {
          if (header) noteHeaderEntry(header, headerSlotOf(out[e + 4]), table.length);
          table.push(out[e], out[e + 1], out[e + 2], out[e + 3], out[e + 4]);
        }
      }
      if (st[W.dirty] === 1) this.recordClean = false;
      if (st[W.dropped] === 1) {
        this.table = undefined; // `{` where a key belongs: not a JSON object, no table
        this.header = undefined;
      }
      if (st[W.stop] !== 2) break;
    }
    this.depth = st[W.depth];
    this.rk = st[W.rk];
    this.rkKs = st[W.ks];
    this.rkKe = st[W.ke];
    this.rkVs = st[W.vs];
    this.rkId = st[W.id];
    if (st[W.inString] === 1) {
      this.inString = true;
      this.escape = st[W.escape] === 1;
    }
    // At the record's closing bracket: scan finishes the capture (and pushes the last key).
    if (st[W.stop] === 1 && this.header && this.rk === RK_IN_VALUE)
      noteHeaderEntry(this.header, headerSlotOf(this.rkId), this.table!.length);
    return i;
  }

  private scan(text: string): void {
    const n = text.length;
    let i = 0;
    let captureStart = this.capturing ? 0 : -1;
    // Offset of this chunk's position 0 within the captured record's text (for its key table).
    let base = this.captured;
    let keyStart = this.keyState === 'inKey' ? 0 : -1;
    while (i < n) {
      if (this.capturing && !this.inString && this.depth > this.elementDepth && this.elementDepth > 0) {
        i = this.wasm
          ? this.scanInsideRecordWasm(this.wasm, i, n, base)
          : this.scanInsideRecord(text, i, base);
        if (i >= n) break;
      }
      if (this.inString) {
        if (this.escape) {
          this.escape = false;
          i++;
          continue;
        }
        const q = text.indexOf('"', i);
        const end = q === -1 ? n : q;
        let backslashes = 0;
        for (let k = end - 1; k >= i && text.charCodeAt(k) === BACKSLASH; k--) backslashes++;
        if (q === -1) {
          this.escape = backslashes % 2 === 1;
          i = n;
          break;
        }
        i = q + 1;
        if (backslashes % 2 === 1) continue;
        this.inString = false;
        if (this.keyState === 'inKey') {
          if (this.keyText.length < 64) this.keyText += text.slice(keyStart, q);
          keyStart = -1;
          this.keyState = 'afterKey';
        }
        if (this.rk === RK_IN_KEY) {
          this.rkKe = base + q;
          this.rk = RK_AFTER_KEY;
          this.header = undefined; // a key not seen whole here: readHeader works from the table
          this.rkId = KEY_ID_PENDING;
          this.idsPending = true;
        }
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) {
        this.scalarElement = false;
        i++;
        continue;
      }
      if (this.mode === 'start') {
        if (c === 0xfeff) {
          i++;
          continue;
        }
        if (c === 91 /* [ */) {
          this.mode = 'array';
          this.elementDepth = 1;
          this.depth = 1;
          i++;
          continue;
        }
        if (c === 123 /* { */) {
          this.mode = 'objects';
          this.elementDepth = 0;
        } else {
          this.stop(`expected "{" or "[" at the start of the JSON text, found ${describeChar(text[i])}`);
          return;
        }
      } else if (this.mode === 'after-array') {
        this.stop(
          `unexpected ${describeChar(text[i])} after the top-level array at character ${this.offset + i}`,
        );
        return;
      }
      switch (c) {
        case QUOTE:
          this.scalarElement = false;
          if (this.depth === this.elementDepth) {
            if (this.mode === 'objects' && this.depth === 0) {
              this.stop(
                `expected "{" (a JSON object per line) at character ${this.offset + i}, found a string`,
              );
              return;
            }
            this.nonObjectElement('a string');
          } else if (this.keyState === 'expectKey' && this.depth === 1 && this.mode === 'objects') {
            this.keyState = 'inKey';
            this.keyText = '';
            keyStart = i + 1;
          }
          if (this.rk === RK_EXPECT_KEY && this.depth === this.elementDepth + 1) {
            this.rk = RK_IN_KEY;
            this.rkKs = base + i + 1;
          }
          this.inString = true;
          i++;
          continue;
        case 123: // {
        case 91: // [
          this.scalarElement = false;
          if (this.depth === this.elementDepth) {
            this.beginCapture();
            captureStart = i;
            base = 0 - i; // not -i: -0 is a heap number, and one in a key table turns every table into doubles
            if (c === 123) {
              this.table = [];
              this.header = emptyHeader();
              this.rkId = -1;
              this.rk = RK_EXPECT_KEY;
            }
          } else if (this.rk === RK_EXPECT_KEY && this.depth === this.elementDepth + 1) {
            this.rk = RK_NONE; // `{` where a key belongs: not a JSON object, no table
            this.table = undefined;
          }
          if (this.mode === 'objects' && this.depth === 1) {
            if (c === 91 && this.recordsValueNext && !this.inRecords) {
              // `"Records": [` — from here on, its elements are the records; the log object itself is not kept.
              this.inRecords = true;
              this.elementDepth = 2;
              this.capturing = false;
              this.parts = [];
              this.table = undefined;
              this.rk = RK_NONE;
              captureStart = -1;
            }
            this.recordsValueNext = false;
            this.keyState = 'inValue';
          }
          this.depth++;
          if (this.mode === 'objects' && this.depth === 1) this.keyState = 'expectKey';
          i++;
          continue;
        case 125: // }
        case 93: // ]
          this.scalarElement = false;
          if (
            this.depth === 0 ||
            (this.depth === this.elementDepth && this.mode !== 'objects' && c === 125)
          ) {
            this.stop(`unexpected ${describeChar(text[i])} at character ${this.offset + i}`);
            return;
          }
          this.depth--;
          if (this.rk === RK_IN_VALUE && this.depth === this.elementDepth) {
            this.table!.push(this.rkKs, this.rkKe, this.rkVs, base + i, this.rkId);
          }
          if (this.capturing && this.depth === this.elementDepth) {
            this.finishCapture(text, captureStart, i + 1);
            captureStart = -1;
          } else if (this.inRecords && this.depth === 1) {
            this.inRecords = false;
            this.elementDepth = 0;
          } else if (this.mode === 'array' && this.depth === 0) {
            this.mode = 'after-array';
          }
          if (this.mode === 'objects' && this.depth === 0) {
            this.keyState = 'none';
            this.recordsValueNext = false;
          }
          i++;
          continue;
        case 44: // ,
          this.scalarElement = false;
          if (this.rk === RK_IN_VALUE && this.depth === this.elementDepth + 1) {
            this.table!.push(this.rkKs, this.rkKe, this.rkVs, base + i, this.rkId);
            this.rk = RK_EXPECT_KEY;
          }
          if (this.mode === 'objects' && this.depth === 1 && !this.inRecords) this.keyState = 'expectKey';
          i++;
          continue;
        case 58: // :
          if (this.rk === RK_AFTER_KEY && this.depth === this.elementDepth + 1) {
            this.rkVs = base + i + 1;
            this.rk = RK_IN_VALUE;
          }
          if (this.mode === 'objects' && this.depth === 1 && this.keyState === 'afterKey') {
            this.recordsValueNext = this.keyText === 'Records';
            this.keyState = 'inValue';
          }
          i++;
          continue;
        default:
          if (this.depth === this.elementDepth && !this.scalarElement) {
            if (this.mode === 'objects' && this.depth === 0) {
              this.stop(
                `expected "{" (a JSON object per line) at character ${this.offset + i}, found ${describeChar(text[i])}`,
              );
              return;
            }
            this.scalarElement = true;
            this.nonObjectElement('a scalar');
          } else if (this.mode === 'objects' && this.depth === 1) {
            this.recordsValueNext = false;
          }
          i++;
      }
    }
    if (this.keyState === 'inKey' && keyStart >= 0 && this.keyText.length < 64)
      this.keyText += text.slice(keyStart, n);
    if (this.capturing && captureStart >= 0 && captureStart < n) {
      const piece = text.slice(captureStart, n);
      this.captured += piece.length;
      if (this.oversized || this.captured > this.max) {
        this.oversized = true;
        this.parts = [];
      } else {
        this.parts.push(piece);
      }
    }
  }
}

/** Where problems from the splitter go, already as diagnostics for `file`. */
export type ProblemSink = (p: Diagnostic) => void;

function describeReadError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (typeof e?.code === 'string' && e.code.startsWith('Z_'))
    return `gzip data is corrupt or truncated (${message})`;
  return `could not read (${message})`;
}

/** A splitter problem as a diagnostic for `file`. */
export function splitProblemDiagnostic(file: string, p: SplitProblem): Diagnostic {
  return {
    severity: p.severity,
    file,
    ...(p.index !== undefined ? { path: `record ${p.index}` } : {}),
    message: p.message,
  };
}

/**
 * Splits a stream of text or bytes (UTF-8) into raw records. Problems (truncation, oversize
 * records, non-object elements, read errors such as corrupt gzip) go to `onProblem`, naming
 * `file` and the record index; the records before a problem are still yielded.
 */
export async function* splitRecords(
  chunks: AsyncIterable<string | Buffer | Uint8Array>,
  file: string,
  onProblem: ProblemSink,
  options: SplitOptions = {},
): AsyncGenerator<RawRecord> {
  for await (const batch of splitItemBatches(chunks, file, onProblem, options)) {
    for (const item of batch) {
      if (item.kind === 'record') yield rawRecordOf(item);
      else onProblem(splitProblemDiagnostic(file, item));
    }
  }
}

/**
 * Decoded text reaches the splitter in pieces of at most this many bytes. Each piece becomes one
 * JavaScript string, and V8 keeps strings over ~128 KB in its large-object space: record texts
 * sliced from such a string (old generation) made the analysis about twice as slow.
 */
export const SPLIT_PIECE_BYTES = 64 * 1024;

/**
 * The splitter's records and problems, in order, one array per piece of at most SPLIT_PIECE_BYTES
 * read: one asynchronous step per piece instead of one per record (the reader's hot path). Not one
 * per chunk: the records of a whole 256 KiB chunk, alive together while it is analyzed, outlived
 * young-generation collections often enough to fill the old generation (a 1 GB object then
 * peaked at ~295 MB RSS instead of ~235, and the analysis took ~10% more CPU). Read errors
 * (corrupt gzip …) go to `onProblem` after the last batch.
 */
export async function* splitItemBatches(
  chunks: AsyncIterable<string | Buffer | Uint8Array>,
  file: string,
  onProblem: ProblemSink,
  options: SplitOptions = {},
): AsyncGenerator<SplitItem[]> {
  const splitter = new RecordSplitter(options);
  const decoder = new StringDecoder('utf8');
  // ASCII bytes are their own text (a latin1 decode copies them, a utf-8 decode checks them); from
  // the first piece that is not ASCII on, the decoder takes every piece, as it may hold the
  // first bytes of a character cut by the piece's end.
  let decoding = false;
  try {
    for await (const chunk of chunks) {
      if (typeof chunk === 'string') {
        if (chunk.length === 0) continue;
        const items = splitter.push(chunk);
        if (items.length > 0) yield items;
        continue;
      }
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      for (let at = 0; at < bytes.length; at += SPLIT_PIECE_BYTES) {
        const piece = bytes.length <= SPLIT_PIECE_BYTES ? bytes : bytes.subarray(at, at + SPLIT_PIECE_BYTES);
        const ascii = !decoding && isAscii(piece);
        if (!ascii) decoding = true;
        const text = ascii ? piece.toString('latin1') : decoder.write(piece);
        if (text.length === 0) continue;
        const items = splitter.push(text, piece, ascii);
        if (items.length > 0) yield items;
      }
    }
  } catch (err) {
    const after =
      splitter.recordCount > 0 ? ` after record ${splitter.recordCount - 1}` : ' before the first record';
    onProblem({ severity: 'error', file, message: `${describeReadError(err)}${after}` });
    return;
  }
  const rest = decoder.end();
  if (rest.length > 0) {
    const items = splitter.push(rest);
    if (items.length > 0) yield items;
  }
  const ending = splitter.end();
  if (ending.length > 0) yield ending;
}

/** The record of a split item, without its `kind` (its key table and header kept). */
export function rawRecordOf(item: SplitItem & { kind: 'record' }): RawRecord {
  return { index: item.index, text: item.text, keys: item.keys, header: item.header, clean: item.clean };
}
