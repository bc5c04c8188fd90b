/**
 * Incremental record splitter: finds each CloudTrail record in a stream of JSON text without
 * parsing the whole document, so memory stays bounded by the largest record, not the object.
 *
 * Accepted shapes: a log object `{"Records":[…]}`, a top-level array of records, and JSON lines
 * (a sequence of top-level objects). It scans characters, tracking strings, escapes and nesting
 * depth, and hands back each record as a view of its raw text with its key table (key-table.ts),
 * noted while scanning. Top-level objects without a `Records` array come back as records too;
 * the reader decides whether they are records, digests or something else.
 */
import { emptyHeader, KeyTableBuilder, noteHeaderEntry, type Header } from './key-table';
import { Entry, KeyId, KeyState, WasmState, WasmStop } from './layout';
import { headerSlotOf, keyIdAt } from './record-keys';
import { RecordView } from './view';
import { loadChunk, type WasmScanner } from './wasm-scanner';

/** Default limit for one record's text: 1 MiB (counted in UTF-16 code units, ≈ bytes for ASCII). */
export const DEFAULT_MAX_RECORD_CHARS = 1024 * 1024;

export interface SplitProblem {
  kind: 'problem';
  severity: 'error';
  message: string;
  /** Record index the problem is about, when there is one. */
  index?: number;
}

export type SplitItem = RecordView | SplitProblem;

export interface SplitOptions {
  /** Records longer than this many characters are skipped with a problem. */
  maxRecordChars?: number;
  /** Scan ASCII chunks given with their bytes by the WebAssembly loop (default true). */
  wasm?: boolean;
  /** Counts the chunks the WebAssembly loop was given. */
  stats?: { wasmChunks: number };
}

type Mode = 'start' | 'array' | 'objects' | 'after-array' | 'stopped';
/** Key tracking of a top-level object outside a Records array (looking for `"Records"`). */
type TopKeyState = 'none' | 'expectKey' | 'inKey' | 'afterKey' | 'inValue';

const QUOTE = 34;
const BACKSLASH = 92;
/** Records with more top-level keys than this get no key table from the splitter. */
const MAX_TABLE_KEYS = 256;

/** Describes a character for messages without echoing much attacker text. */
function describeChar(ch: string): string {
  return JSON.stringify(ch);
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
  private keyState: TopKeyState = 'none';
  private keyText = '';
  private recordsValueNext = false;
  private inRecords = false;
  private readonly max: number;
  private items: SplitItem[] = [];
  // The captured record's key table (offsets into its text), when it gets one, and where its scan is.
  private readonly table = new KeyTableBuilder();
  private hasTable = false;
  private header: Header | undefined;
  /** Number of the key whose value is being read (record-keys.ts; -1: not listed). */
  private rkId = -1;
  /** Some key of the captured record has KeyId.Pending. */
  private idsPending = false;
  private rk = KeyState.None;
  private rkKs = 0;
  private rkKe = 0;
  private rkVs = 0;
  /** The WebAssembly scanner holding this chunk's bytes, during push. */
  private wasm: WasmScanner | undefined;
  /** The captured record was scanned by WebAssembly only, and no string in it was dirty (RecordView's `clean`). */
  private recordClean = false;
  private readonly useWasm: boolean;
  private readonly stats: SplitOptions['stats'];

  constructor(options: SplitOptions = {}) {
    this.max = options.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS;
    this.useWasm = options.wasm ?? true;
    this.stats = options.stats;
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
    if (this.useWasm && bytes !== undefined && bytes.length === text.length) {
      this.wasm = loadChunk(bytes, ascii);
      if (this.wasm && this.stats) this.stats.wasmChunks++;
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
      this.problem(`${what}: expected a {"Records":[…]} log object, a JSON array of records or JSON lines`);
    } else if (this.mode !== 'stopped' && (this.depth > 0 || this.inString)) {
      const open = this.capturing ? this.depth - this.elementDepth : this.depth;
      const unclosed = `${open} unclosed bracket${open === 1 ? '' : 's'}${this.inString ? ' and an unterminated string' : ''}`;
      if (this.capturing) {
        this.problem(
          `truncated: record ${this.index} is incomplete ${at} (expected ${unclosed} to be closed)`,
          this.index,
        );
      } else if (this.inRecords) {
        this.problem(
          `truncated after record ${this.index - 1}: expected "]" closing the Records array ${at}`,
        );
      } else if (this.mode === 'array') {
        this.problem(
          `truncated after record ${this.index - 1}: expected "]" closing the top-level array ${at}`,
        );
      } else {
        this.problem(`truncated: expected "}" closing the log object ${at}`);
      }
    }
    this.mode = 'stopped';
    return this.items;
  }

  /** Every splitter problem is an error: the input is not what a trail writes. */
  private problem(message: string, index?: number): void {
    this.items.push(
      index === undefined
        ? { kind: 'problem', severity: 'error', message }
        : { kind: 'problem', severity: 'error', message, index },
    );
  }

  private stop(message: string): void {
    this.problem(message);
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
    this.hasTable = false;
    this.header = undefined;
    this.idsPending = false;
    this.rk = KeyState.None;
    // Only elements of an array are scanned by scanInsideRecord (JSON lines are scanned by scan).
    this.recordClean = this.wasm !== undefined && this.elementDepth > 0;
  }

  private finishCapture(text: string, start: number, end: number): void {
    const size = this.captured + (end - start);
    if (this.oversized || size > this.max) {
      const what = this.captureIsTop
        ? `top-level object ${this.index} (with no "Records" array)`
        : `record ${this.index}`;
      this.problem(`${what} is ${size} characters long, over the limit of ${this.max}; skipped`, this.index);
    } else {
      const last = text.slice(start, end);
      const whole = this.parts.length === 0 ? last : this.parts.join('') + last;
      const table =
        this.hasTable && this.table.length <= MAX_TABLE_KEYS * Entry.Size ? this.table.take() : undefined;
      if (table && this.idsPending) {
        // Keys cut by a chunk boundary get their number from the whole text.
        for (let t = 0; t < table.length; t += Entry.Size)
          if (table[t + Entry.KeyId] === KeyId.Pending)
            table[t + Entry.KeyId] = keyIdAt(whole, table[t + Entry.KeyStart], table[t + Entry.KeyEnd]);
      }
      this.items.push(
        new RecordView(
          this.index,
          whole,
          table,
          table ? this.header : undefined,
          this.recordClean && this.parts.length === 0,
        ),
      );
    }
    this.index++;
    this.capturing = false;
    this.parts = [];
    this.captured = 0;
    this.hasTable = false;
    this.header = undefined;
    this.rk = KeyState.None;
  }

  /** A non-object element (string, number, literal) where a record was expected. */
  private nonObjectElement(what: string): void {
    this.problem(`record ${this.index} is ${what}, expected a JSON object`, this.index);
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
    const table = this.table;
    let hasTable = this.hasTable;
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
          if (depth === top && rk === KeyState.ExpectKey) {
            rk = KeyState.InKey;
            ks = base + start;
          }
          i = n;
          break;
        }
        if (depth === top && rk === KeyState.ExpectKey) {
          ks = base + start;
          ke = base + q;
          rk = KeyState.AfterKey;
          id = keyIdAt(text, start, q);
        }
        i = q + 1;
        continue;
      }
      if (c === 123 || c === 91) {
        if (depth === top && rk === KeyState.ExpectKey) {
          rk = KeyState.None; // `{` where a key belongs: not a JSON object, no table
          hasTable = false;
          header = undefined;
        }
        depth++;
      } else if (c === 125 || c === 93) {
        if (depth === top) {
          // The record's closing bracket: scan finishes the capture (and pushes the last key).
          if (header && rk === KeyState.InValue) noteHeaderEntry(header, headerSlotOf(id), table.length);
          break;
        }
        depth--;
      } else if (depth === top) {
        if (c === 58 && rk === KeyState.AfterKey) {
          vs = base + i + 1;
          rk = KeyState.InValue;
        } else if (c === 44 && rk === KeyState.InValue) {
          if (header) noteHeaderEntry(header, headerSlotOf(id), table.length);
          table.push(ks, ke, vs, base + i, id);
          rk = KeyState.ExpectKey;
        }
      }
      i++;
    }
    this.depth = depth;
    this.rk = rk;
    this.rkKs = ks;
    this.rkKe = ke;
    this.rkVs = vs;
    this.hasTable = hasTable;
    this.header = header;
    this.rkId = id;
    return i;
  }

  /** scanInsideRecord by the WebAssembly loop over the chunk's bytes (loaded by push). */
  private scanInsideRecordWasm(scanner: WasmScanner, i: number, n: number, base: number): number {
    const st = scanner.state;
    st[WasmState.Depth] = this.depth;
    st[WasmState.Top] = this.elementDepth + 1;
    st[WasmState.Key] = this.rk;
    st[WasmState.KeyStart] = this.rkKs;
    st[WasmState.KeyEnd] = this.rkKe;
    st[WasmState.ValueStart] = this.rkVs;
    st[WasmState.Id] = this.rkId;
    // A full output buffer (stop 2) resumes here, not in scan: scan's general loop would read the
    // next key itself, in JavaScript and without the clean check.
    for (;;) {
      i = scanner.scanInside(i, n, base);
      const entries = st[WasmState.Entries];
      if (entries > 0) {
        const out = scanner.out;
        const table = this.table;
        const header = this.header;
        const count = entries * Entry.Size;
        if (header)
          for (let e = 0; e < count; e += Entry.Size)
            noteHeaderEntry(header, headerSlotOf(out[e + Entry.KeyId]), table.length + e);
        table.append(out, count);
      }
      if (st[WasmState.Dirty] === 1) this.recordClean = false;
      if (st[WasmState.Dropped] === 1) {
        this.hasTable = false; // `{` where a key belongs: not a JSON object, no table
        this.header = undefined;
      }
      if (st[WasmState.Stop] !== WasmStop.OutputFull) break;
    }
    this.depth = st[WasmState.Depth];
    this.rk = st[WasmState.Key];
    this.rkKs = st[WasmState.KeyStart];
    this.rkKe = st[WasmState.KeyEnd];
    this.rkVs = st[WasmState.ValueStart];
    this.rkId = st[WasmState.Id];
    if (st[WasmState.InString] === 1) {
      this.inString = true;
      this.escape = st[WasmState.Escape] === 1;
    }
    // At the record's closing bracket: scan finishes the capture (and pushes the last key).
    if (st[WasmState.Stop] === WasmStop.RecordEnd && this.header && this.rk === KeyState.InValue)
      noteHeaderEntry(this.header, headerSlotOf(this.rkId), this.table.length);
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
        if (this.rk === KeyState.InKey) {
          this.rkKe = base + q;
          this.rk = KeyState.AfterKey;
          this.header = undefined; // a key not seen whole here: readHeader works from the table
          this.rkId = KeyId.Pending;
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
          if (this.rk === KeyState.ExpectKey && this.depth === this.elementDepth + 1) {
            this.rk = KeyState.InKey;
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
              this.hasTable = true;
              this.table.length = 0;
              this.header = emptyHeader();
              this.rkId = -1;
              this.rk = KeyState.ExpectKey;
            }
          } else if (this.rk === KeyState.ExpectKey && this.depth === this.elementDepth + 1) {
            this.rk = KeyState.None; // `{` where a key belongs: not a JSON object, no table
            this.hasTable = false;
          }
          if (this.mode === 'objects' && this.depth === 1) {
            if (c === 91 && this.recordsValueNext && !this.inRecords) {
              // `"Records": [` — from here on, its elements are the records; the log object itself is not kept.
              this.inRecords = true;
              this.elementDepth = 2;
              this.capturing = false;
              this.parts = [];
              this.hasTable = false;
              this.rk = KeyState.None;
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
          if (this.rk === KeyState.InValue && this.depth === this.elementDepth) {
            this.table.push(this.rkKs, this.rkKe, this.rkVs, base + i, this.rkId);
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
          if (this.rk === KeyState.InValue && this.depth === this.elementDepth + 1) {
            this.table.push(this.rkKs, this.rkKe, this.rkVs, base + i, this.rkId);
            this.rk = KeyState.ExpectKey;
          }
          if (this.mode === 'objects' && this.depth === 1 && !this.inRecords) this.keyState = 'expectKey';
          i++;
          continue;
        case 58: // :
          if (this.rk === KeyState.AfterKey && this.depth === this.elementDepth + 1) {
            this.rkVs = base + i + 1;
            this.rk = KeyState.InValue;
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
