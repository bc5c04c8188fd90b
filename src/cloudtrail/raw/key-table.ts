/**
 * Key tables (layout.ts Entry): where each top-level key of a record and its value sit in the
 * record's text, found by the splitter while it scans or by scanObjectKeys; and record headers
 * (layout.ts Slot): where the keys the analyzer reads itself sit in the table.
 */
import { Entry, Slot } from './layout';
import { headerSlotOf, keyAt, keyIdAt } from './record-keys';

/** Entry.Size numbers per top-level key (layout.ts Entry). */
export type KeyTable = number[];

/**
 * A builder's first array, copied for each (a splitter per object, and a folder of a day's trail
 * is thousands of objects): filled with small integers, so copies stay packed (V8 PACKED_SMI).
 */
const FIRST_ENTRIES: readonly number[] = Array.from({ length: 32 * Entry.Size }, () => 0);

/**
 * The key table of the record being split: one array reused from record to record, so a record's
 * table costs one copy of its exact size (`take`) rather than an array grown key by key.
 */
export class KeyTableBuilder {
  private entries: number[] = FIRST_ENTRIES.slice();
  /** Numbers written (Entry.Size per key): the table offset of the next entry. */
  length = 0;

  push(keyStart: number, keyEnd: number, valueStart: number, valueEnd: number, keyId: number): void {
    const at = this.length;
    const e = this.entries;
    if (at + Entry.Size > e.length) for (let k = e.length; k > 0; k--) e.push(0);
    e[at + Entry.KeyStart] = keyStart;
    e[at + Entry.KeyEnd] = keyEnd;
    e[at + Entry.ValueStart] = valueStart;
    e[at + Entry.ValueEnd] = valueEnd;
    e[at + Entry.KeyId] = keyId;
    this.length = at + Entry.Size;
  }

  /** Appends the first `count` numbers of `source` (whole entries, as the WebAssembly loop writes them). */
  append(source: Int32Array, count: number): void {
    const at = this.length;
    const e = this.entries;
    while (at + count > e.length) for (let k = e.length; k > 0; k--) e.push(0);
    for (let k = 0; k < count; k++) e[at + k] = source[k];
    this.length = at + count;
  }

  /** A copy of the table built so far. */
  take(): KeyTable {
    return this.entries.slice(0, this.length);
  }
}

/** Table offsets by layout.ts Slot (-1: absent), then the Slot.Unusual flag. */
export type Header = number[];

const QUOTE = 34;
const BACKSLASH = 92;

/** Index of the quote that closes the string whose content starts at `from`, or -1. */
export function closingQuote(text: string, from: number): number {
  for (;;) {
    const q = text.indexOf('"', from);
    if (q < 0) return -1;
    let k = q - 1;
    while (text.charCodeAt(k) === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q;
    from = q + 1;
  }
}

/**
 * The key table of the object starting at `start` (a `{`), or undefined when the text is not a
 * complete object there. Only structure is checked; values are not validated.
 */
export function scanObjectKeys(text: string, start: number): KeyTable | undefined {
  if (text.charCodeAt(start) !== 123) return undefined;
  const n = text.length;
  const table = new KeyTableBuilder();
  let depth = 1;
  // 0: expecting a key, 1: after the key, 2: in the value
  let state = 0;
  let ks = 0;
  let ke = 0;
  let vs = 0;
  let i = start + 1;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const q = closingQuote(text, i + 1);
      if (q < 0) return undefined;
      if (depth === 1 && state === 0) {
        ks = i + 1;
        ke = q;
        state = 1;
      }
      i = q + 1;
      continue;
    }
    if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (--depth === 0) {
        if (state === 2) table.push(ks, ke, vs, i, keyIdAt(text, ks, ke));
        return table.take();
      }
    } else if (depth === 1) {
      if (c === 58 && state === 1) {
        vs = i + 1;
        state = 2;
      } else if (c === 44 && state === 2) {
        table.push(ks, ke, vs, i, keyIdAt(text, ks, ke));
        state = 0;
      }
    }
    i++;
  }
  return undefined;
}

/** Whether some key in the table is written with an escape (then raw comparison is not enough). */
export function keysHaveEscapes(text: string, table: KeyTable): boolean {
  let next = -2; // position of the next backslash at or after the current key; -1: none
  for (let t = 0; t < table.length; t += Entry.Size) {
    const ks = table[t + Entry.KeyStart];
    if (next === -1) return false;
    if (next < ks) next = text.indexOf('\\', ks);
    if (next === -1) return false;
    if (next < table[t + Entry.KeyEnd]) return true;
  }
  return false;
}

/** Offset in the table of the last entry whose key is `key`, or -1 (JSON.parse keeps the last). */
export function findKey(text: string, table: KeyTable, key: string): number {
  const len = key.length;
  for (let t = table.length - Entry.Size; t >= 0; t -= Entry.Size) {
    const ks = table[t + Entry.KeyStart];
    if (table[t + Entry.KeyEnd] - ks === len && keyAt(text, ks, key)) return t;
  }
  return -1;
}

/** An empty header: no key seen yet. */
export function emptyHeader(): Header {
  return [-1, -1, -1, -1, -1, -1, 0];
}

/** Records the table entry at `t` in the header when its key is one of them (later duplicates win). */
export function noteHeaderEntry(header: Header, slot: number, t: number): void {
  if (slot === Slot.Unusual) header[slot] = 1;
  else if (slot >= 0) header[slot] = t;
}

/** The header found from a key table's key numbers (the last of duplicate keys wins, as in JSON.parse). */
export function readHeader(table: KeyTable): Header {
  const header = emptyHeader();
  for (let t = 0; t < table.length; t += Entry.Size)
    noteHeaderEntry(header, headerSlotOf(table[t + Entry.KeyId]), t);
  return header;
}
