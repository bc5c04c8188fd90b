/**
 * The splitter's hot loop compiled to WebAssembly (wasm/scan-record.ts): the same state machine
 * as RecordSplitter.scanInsideRecord over the bytes of an ASCII chunk, where byte offsets are the
 * string offsets. One instance serves every splitter of the process: a chunk is copied in at the
 * start of a push and used only within that synchronous call. Memory layout: layout.ts.
 */
import { isAscii } from 'node:buffer';
import { Entry, WasmMemory, WasmState } from './layout';
import { keyHashTable, RECORD_KEYS } from './record-keys';
import { SCAN_RECORD_WASM } from './scan-record-wasm';

/** Larger chunks (a whole file given at once) are scanned in JavaScript: the module's memory never shrinks. */
const MAX_WASM_CHUNK = 8 * 1024 * 1024;

/** The parts of the WebAssembly API used here (the compiler's Node types do not declare them). */
interface Memory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

export interface WasmScanner {
  /** Scans chunk bytes [i, n) of a record from the state block; returns where it stopped (WasmState.Stop says why). */
  scanInside(i: number, n: number, base: number): number;
  memory: Memory;
  /** i32 views over the state block (layout.ts WasmState) and the key-table entries; renewed on growth. */
  state: Int32Array;
  out: Int32Array;
}

let scanner: WasmScanner | null | undefined;

function views(s: Pick<WasmScanner, 'scanInside' | 'memory'>): WasmScanner {
  return {
    ...s,
    state: new Int32Array(s.memory.buffer, 0, WasmState.Count),
    out: new Int32Array(s.memory.buffer, WasmMemory.Out, WasmMemory.OutCapacity * Entry.Size),
  };
}

/** The WebAssembly scanner, or null where WebAssembly is unavailable (the JavaScript loop then runs). */
function wasmScanner(): WasmScanner | null {
  if (scanner === undefined) {
    try {
      const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
      const instance = new api.Instance(new api.Module(Buffer.from(SCAN_RECORD_WASM, 'base64')), {});
      const exports = instance.exports as Pick<WasmScanner, 'scanInside' | 'memory'>;
      writeKeyList(exports.memory);
      scanner = views({ scanInside: exports.scanInside, memory: exports.memory });
    } catch {
      scanner = null;
    }
  }
  return scanner;
}

/** The listed record keys (record-keys.ts) in the module's memory, where its keyId looks them up. */
function writeKeyList(memory: Memory): void {
  const bytesNeeded = RECORD_KEYS.reduce((n, key) => n + key.length, 0);
  if (
    RECORD_KEYS.length > (WasmMemory.KeyBytes - WasmMemory.KeyEntries) / 8 ||
    WasmMemory.KeyBytes + bytesNeeded > WasmMemory.In
  )
    throw new Error('record-keys.ts lists more keys than the WebAssembly layout holds');
  new Int32Array(memory.buffer, WasmMemory.KeyHash, WasmMemory.KeyHashSlots).set(keyHashTable());
  const entries = new Int32Array(memory.buffer, WasmMemory.KeyEntries, 2 * RECORD_KEYS.length);
  const bytes = new Uint8Array(memory.buffer);
  let at = WasmMemory.KeyBytes;
  RECORD_KEYS.forEach((key, id) => {
    entries[2 * id] = at;
    entries[2 * id + 1] = key.length;
    bytes.set(Buffer.from(key, 'latin1'), at);
    at += key.length;
  });
}

/**
 * The scanner with a chunk's bytes copied into its memory (grown when needed), or undefined when
 * the chunk is not ASCII (`ascii`: the caller checked already) or too large, or where WebAssembly
 * is unavailable.
 */
export function loadChunk(bytes: Uint8Array, ascii?: boolean): WasmScanner | undefined {
  if (bytes.length > MAX_WASM_CHUNK || !(ascii === true || isAscii(bytes))) return undefined;
  let s = wasmScanner();
  if (!s) return undefined;
  const needed = WasmMemory.In + bytes.length;
  if (s.memory.buffer.byteLength < needed) {
    s.memory.grow(Math.ceil((needed - s.memory.buffer.byteLength) / WasmMemory.PageBytes));
    s = scanner = views(s);
  }
  new Uint8Array(s.memory.buffer, WasmMemory.In, bytes.length).set(bytes);
  return s;
}
