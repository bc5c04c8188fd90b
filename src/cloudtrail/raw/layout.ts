/**
 * The numbers the raw path's parts agree on, named once: the key table, the record header, the
 * key-tracking states and the WebAssembly module's memory. wasm/scan-record.ts (AssemblyScript)
 * imports this file too, so the JavaScript side and the module cannot drift apart. Only
 * `const enum`s here: both compilers inline them, and AssemblyScript accepts nothing else shared.
 */

/**
 * A key table is a number[] with one group of Entry.Size numbers per top-level key of a record:
 * offsets into its text of the key (inside the quotes) and of its value (from after the colon to
 * the `,` or `}` that ends it, whitespace included), and the key's number (record-keys.ts).
 */
export const enum Entry {
  KeyStart = 0,
  KeyEnd = 1,
  ValueStart = 2,
  ValueEnd = 3,
  KeyId = 4,
  Size = 5,
}

/** Key numbers that are not an index into RECORD_KEYS. */
export const enum KeyId {
  /** A key outside RECORD_KEYS, or written with escapes: compared by its text. */
  NotListed = -1,
  /** A key cut by a chunk boundary, until the splitter reads it from the record's whole text. */
  Pending = -2,
}

/**
 * A record header: the table offset of each key the analyzer reads itself (-1: absent), in
 * RECORD_KEYS order, then a flag that is 1 when a digest or Insights marker key is present.
 */
export const enum Slot {
  EventName = 0,
  EventSource = 1,
  EventTime = 2,
  EventType = 3,
  EventCategory = 4,
  RecipientAccountId = 5,
  Unusual = 6,
  /** Slots in a header. */
  Count = 7,
  /** Marker keys (digestStartTime, insightDetails) that follow the header keys in RECORD_KEYS. */
  // eslint-disable-next-line @typescript-eslint/no-duplicate-enum-values -- a count, not a slot
  Markers = 2,
}

/** Where the scan of a record's own keys is (the splitter's and the module's state). */
export const enum KeyState {
  None = 0,
  ExpectKey = 1,
  InKey = 2,
  AfterKey = 3,
  InValue = 4,
}

/** The WebAssembly module's state block: i32 slots at byte offset 4 × slot, read and written at each call. */
export const enum WasmState {
  Depth = 0,
  /** Depth of the record's own keys. */
  Top = 1,
  Key = 2,
  KeyStart = 3,
  KeyEnd = 4,
  ValueStart = 5,
  /** Number of the key whose value is being read. */
  Id = 6,
  /** Out: a string runs past the end of the chunk. */
  InString = 8,
  /** Out: and the chunk ended inside an escape. */
  Escape = 9,
  /** Out: key-table entries written at WasmMemory.Out. */
  Entries = 10,
  /** Out: a `{` or `[` stood where a key belongs: no table. */
  Dropped = 11,
  /** Out: a WasmStop. */
  Stop = 12,
  /** Out: a string held a backslash or a control character. */
  Dirty = 13,
  /** Slots in the block. */
  Count = 16,
}

/** Why the module's scan returned. */
export const enum WasmStop {
  EndOfChunk = 0,
  /** At the record's closing bracket. */
  RecordEnd = 1,
  /** The output entries are full: call again from where it stopped. */
  OutputFull = 2,
}

/** Byte offsets in the module's memory. */
export const enum WasmMemory {
  /** Key-table entries (Entry.Size i32 each), up to OutCapacity of them per call. */
  Out = 2048,
  // eslint-disable-next-line @typescript-eslint/no-duplicate-enum-values -- a size that equals an offset
  OutCapacity = 2048,
  /** The hash table of listed keys: KeyHashSlots i32, each a key number + 1 (0: empty), linear probing. */
  KeyHash = Out + OutCapacity * Entry.Size * 4,
  KeyHashSlots = 256,
  /** Per key number, the offset and length (two i32) of its bytes. */
  KeyEntries = KeyHash + KeyHashSlots * 4,
  /** The keys' bytes. */
  KeyBytes = KeyEntries + 64 * 8,
  /** Longer keys are never listed. */
  MaxKeyLength = 63,
  /** The chunk's bytes start here (and the memory grows to hold them). */
  In = 65536,
  // eslint-disable-next-line @typescript-eslint/no-duplicate-enum-values -- a size that equals an offset
  PageBytes = 65536,
}
