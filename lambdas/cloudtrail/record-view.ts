/**
 * Partial parsing of a record's JSON text: where each top-level key and its value sit (a key
 * table, found by the splitter while it scans, or by scanObjectKeys), and a projection that
 * parses only the keys a field plan asks for (lambdas/sigma/field-plan.ts). Rules evaluated on
 * the projection see exactly what they would see on JSON.parse of the whole text: the same keys
 * (the last of duplicates, as JSON.parse keeps), the same values; everything unusual (escaped
 * keys, malformed text) makes the caller fall back to JSON.parse of the whole record.
 *
 * Most of a CloudTrail record (requestParameters, responseElements, resources …) is never
 * parsed when no candidate rule reads it, which is where the analyzer's speed comes from.
 */
import type { FieldPlan } from '../sigma/field-plan';
import { KEY_NOT_LISTED, keyAt, keyIdAt, RECORD_KEYS } from './record-keys';

/**
 * Five numbers per key: offsets into the text of the key's start and end (inside the quotes),
 * of the value's start (after the colon) and end (at the `,` or `}` that ends it; whitespace
 * included), and the key's number in record-keys.ts RECORD_KEYS (KEY_NOT_LISTED for other keys
 * and for keys written with escapes, which callers check for with keysHaveEscapes).
 */
export type KeyTable = number[];
/** Numbers per key in a KeyTable. */
export const KEY_STRIDE = 5;

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
  const table: KeyTable = [];
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
        return table;
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
  for (let t = 0; t < table.length; t += KEY_STRIDE) {
    const ks = table[t];
    if (next === -1) return false;
    if (next < ks) next = text.indexOf('\\', ks);
    if (next === -1) return false;
    if (next < table[t + 1]) return true;
  }
  return false;
}

/** Offset in the table of the last entry whose key is `key`, or -1 (JSON.parse keeps the last). */
export function findKey(text: string, table: KeyTable, key: string): number {
  const len = key.length;
  for (let t = table.length - KEY_STRIDE; t >= 0; t -= KEY_STRIDE) {
    const ks = table[t];
    if (table[t + 1] - ks === len && keyAt(text, ks, key)) return t;
  }
  return -1;
}

const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;
/** Characters that need JSON.parse in a string: escapes and raw control characters (invalid JSON). */
// eslint-disable-next-line no-control-regex -- raw control characters are exactly what must be found
const NEEDS_PARSE = /[\\\u0000-\u001f]/;

/**
 * Parses the value text between `start` and `end` (whitespace around it allowed). Throws on
 * invalid JSON. `clean`: no string of the record holds a backslash or a control character
 * (RawRecord.clean), so a string value is the text between its quotes, checked no further.
 */
export function parseValueAt(text: string, start: number, end: number, clean = false): unknown {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  if (text.charCodeAt(start) === QUOTE && end - start >= 2 && text.charCodeAt(end - 1) === QUOTE) {
    if (clean) {
      // Without backslashes the first quote closes the string; anything after it is not JSON.
      if (text.indexOf('"', start + 1) === end - 1) return text.slice(start + 1, end - 1);
    } else if (closingQuote(text, start + 1) === end - 1) {
      const inner = text.slice(start + 1, end - 1);
      if (!NEEDS_PARSE.test(inner)) return inner;
    }
  }
  return JSON.parse(text.slice(start, end));
}

/** A key of a field plan with what projection needs for it, found once per plan. */
interface PlanKey {
  key: string;
  cache: ValueCache;
  /** Its header slot (HEADER), or -1. */
  slot: number;
}
interface CompiledPlan {
  /** The plan's listed keys by their number (record-keys.ts): one array read per record key. */
  byId: Array<PlanKey | undefined>;
  /** The plan's other keys by length, compared by text; undefined when there are none. */
  unlisted: Array<PlanKey[] | undefined> | undefined;
}

const compiledPlans = new WeakMap<FieldPlan, CompiledPlan>();

function compilePlan(plan: FieldPlan): CompiledPlan {
  let compiled = compiledPlans.get(plan);
  if (!compiled) {
    const byId: Array<PlanKey | undefined> = RECORD_KEYS.map(() => undefined);
    let unlisted: Array<PlanKey[] | undefined> | undefined;
    for (const key of plan.keys) {
      const id = RECORD_KEYS.indexOf(key as (typeof RECORD_KEYS)[number]);
      const entry: PlanKey = { key, cache: valueCacheFor(key), slot: headerSlotOf(id) };
      if (id >= 0) byId[id] = entry;
      else ((unlisted ??= [])[key.length] ??= []).push(entry);
    }
    compiled = { byId, unlisted };
    compiledPlans.set(plan, compiled);
  }
  return compiled;
}

/** The plan key the unlisted record key text[start, end) is, if any. */
function unlistedKey(
  unlisted: Array<PlanKey[] | undefined>,
  text: string,
  start: number,
  end: number,
): PlanKey | undefined {
  const bucket = unlisted[end - start];
  if (bucket !== undefined) for (const entry of bucket) if (keyAt(text, start, entry.key)) return entry;
  return undefined;
}

/**
 * Parsed object and array values by their text. In a trail the same principal makes call after
 * call with the same credentials, so `userIdentity` (what rules read most, ~0.5 KB) repeats
 * verbatim; parsing it once per distinct text saves most of the projection's work. Values are
 * shared between records, which is safe because rules only read them. Bounded, in two
 * generations: when the young map is full it becomes the old one, and an entry found in the old
 * map moves back to the young one, so the texts in use survive and a set of texts larger than the
 * cache costs parses, not a cache emptied again and again.
 */
interface CacheEntry {
  text: string;
  value: unknown;
}
interface ValueCache {
  /** By fingerprint (see fingerprint()); the entry's text is compared before its value is used. */
  values: Map<number, CacheEntry>;
  old: Map<number, CacheEntry>;
  lookups: number;
  hits: number;
  /** Off for a key whose values rarely repeat (requestParameters …): only the parse is paid. */
  on: boolean;
}

const valueCaches = new Map<string, ValueCache>();

function valueCacheFor(key: string): ValueCache {
  let cache = valueCaches.get(key);
  if (!cache)
    valueCaches.set(key, (cache = { values: new Map(), old: new Map(), lookups: 0, hits: 0, on: true }));
  return cache;
}
/** Entries per generation (so up to twice as many texts per key). */
const VALUE_CACHE_ENTRIES = 2048;
const MIN_CACHED_LENGTH = 64;
/** After this many lookups a key's cache stays on only if at least a quarter of them hit. */
const TRIAL_LOOKUPS = 512;
const RETRY_AFTER = 65_536;

/** One cache per key, so that keys whose values never repeat do not evict userIdentity. */
function parseCachedValue(
  cache: ValueCache,
  text: string,
  start: number,
  end: number,
  clean: boolean,
): unknown {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  const c = text.charCodeAt(start);
  if ((c !== 123 && c !== 91) || end - start < MIN_CACHED_LENGTH)
    return parseValueAt(text, start, end, clean);
  if (!cache.on) {
    // Tried again now and then: a warm Lambda sees other trails with other patterns.
    if (++cache.lookups >= RETRY_AFTER) Object.assign(cache, { lookups: 0, hits: 0, on: true });
    return parseValueAt(text, start, end, clean);
  }
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  const raw = text.slice(start, end);
  const print = fingerprint(text, start, end);
  let entry = cache.values.get(print);
  if (++cache.lookups === TRIAL_LOOKUPS && cache.hits < TRIAL_LOOKUPS / 4) {
    cache.on = false;
    cache.values = new Map();
    cache.old = new Map();
  }
  // Equal fingerprints of different texts only cost a parse: the text itself decides.
  if (entry !== undefined && entry.text === raw) {
    cache.hits++;
    return entry.value;
  }
  entry = cache.old.get(print);
  if (entry !== undefined && entry.text === raw) {
    cache.hits++;
    if (cache.on) remember(cache, print, entry);
    return entry.value;
  }
  const value: unknown = JSON.parse(raw);
  if (cache.on) remember(cache, print, { text: detachedCopy(raw), value });
  return value;
}

/**
 * A copy of a text that is kept for long: a slice would pin the whole decoded chunk it came
 * from (V8 keeps sliced strings as views of their parent).
 */
export function detachedCopy(text: string): string {
  return (' ' + text).slice(1);
}

function remember(cache: ValueCache, print: number, entry: CacheEntry): void {
  if (cache.values.size >= VALUE_CACHE_ENTRIES) {
    cache.old = cache.values;
    cache.values = new Map();
  }
  cache.values.set(print, entry);
}

/**
 * A cheap fingerprint of text[start, end): its length and 32 characters spread over it. A Map
 * keyed by the text itself would hash all of it (~0.5 KB for userIdentity) on every lookup,
 * which cost more than the parse it saves; comparing a candidate's text stops at the first
 * difference and runs on flat memory.
 */
function fingerprint(text: string, start: number, end: number): number {
  const len = end - start;
  const step = len > 32 ? Math.floor(len / 32) : 1;
  let h = len;
  for (let i = end - 1; i >= start; i -= step) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}

/** Thrown when a record needs JSON.parse of its whole text after all (escaped keys, keyword rules). */
export class NeedsFullParse extends Error {}

/**
 * The record with only the plan's top-level keys, their values parsed whole. Throws
 * NeedsFullParse (escaped keys, a plan that wants the whole record) or a SyntaxError (a wanted
 * value is not valid JSON); callers then JSON.parse the whole text, which either succeeds (use
 * it) or reports the record as invalid.
 */
export function projectRecord(
  text: string,
  table: KeyTable,
  plan: FieldPlan,
  /** The caller already made sure no key is written with an escape (keysHaveEscapes). */
  keysChecked = false,
  /**
   * Values the caller parsed already: the record's header (readHeader) and the parsed value of
   * each header slot, NOT_READ where it did not parse one. Saves parsing eventName twice.
   */
  known?: { header: readonly number[]; values: readonly unknown[] },
  /** RawRecord.clean: string values need no escape check (see parseValueAt). */
  clean = false,
): Record<string, unknown> {
  if (plan.whole || (!keysChecked && keysHaveEscapes(text, table))) throw new NeedsFullParse();
  const { byId, unlisted } = compilePlan(plan);
  const out: Record<string, unknown> = {};
  // In table order, so a later duplicate key overwrites an earlier one, as in JSON.parse.
  for (let t = 0; t < table.length; t += KEY_STRIDE) {
    const id = table[t + 4];
    let entry: PlanKey | undefined;
    if (id !== KEY_NOT_LISTED) entry = byId[id];
    else if (unlisted !== undefined) entry = unlistedKey(unlisted, text, table[t], table[t + 1]);
    if (entry === undefined) continue;
    const slot = entry.slot;
    const value =
      known !== undefined && slot >= 0 && known.header[slot] === t && known.values[slot] !== NOT_READ
        ? known.values[slot]
        : parseCachedValue(entry.cache, text, table[t + 2], table[t + 3], clean);
    const key = entry.key;
    // `__proto__` from JSON is an ordinary own key (JSON.parse makes it one); assignment would not be.
    if (key === '__proto__')
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

/** Marks a header slot whose value the caller did not parse (see projectRecord's `known`). */
export const NOT_READ: unique symbol = Symbol('not read');

/** A top-level value by key, parsed (undefined when absent). Throws like projectRecord. */
export function topLevelValue(text: string, table: KeyTable, key: string): unknown {
  const t = findKey(text, table, key);
  return t < 0 ? undefined : parseValueAt(text, table[t + 2], table[t + 3]);
}

/**
 * The top-level keys the analyzer reads itself. A record header is an array of their table
 * offsets (-1: absent) in this order, then one slot that is 1 for a digest or Insights document.
 * The splitter fills it while scanning (RawRecord.header); readHeader fills it otherwise.
 */
/** Header slot of each key, and of the digest/Insights flag. */
export const HEADER = {
  eventName: 0,
  eventSource: 1,
  eventTime: 2,
  eventType: 3,
  eventCategory: 4,
  recipientAccountId: 5,
  unusual: 6,
} as const;
/** Their names: the first keys of record-keys.ts RECORD_KEYS, which is ordered for this. */
export const HEADER_KEYS = RECORD_KEYS.slice(0, HEADER.unusual);

/** An empty header: no key seen yet. */
export function emptyHeader(): number[] {
  return [-1, -1, -1, -1, -1, -1, 0];
}

/**
 * The header slot of a key number (record-keys.ts lists the header keys first, in slot order,
 * then the digest and Insights markers), or -1.
 */
export function headerSlotOf(id: number): number {
  return id < 0 ? -1 : id < HEADER.unusual ? id : id < HEADER.unusual + 2 ? HEADER.unusual : -1;
}

/** Records the table entry at `t` in the header when its key is one of them (later duplicates win). */
export function noteHeaderEntry(header: number[], slot: number, t: number): void {
  if (slot === HEADER.unusual) header[slot] = 1;
  else if (slot >= 0) header[slot] = t;
}

/**
 * The record's header: the one the splitter noted, or else found from the key table's key numbers
 * (the last of duplicate keys wins, as in JSON.parse).
 */
export function readHeader(table: KeyTable, noted?: number[]): number[] {
  if (noted) return noted;
  const header = emptyHeader();
  for (let t = 0; t < table.length; t += KEY_STRIDE) noteHeaderEntry(header, headerSlotOf(table[t + 4]), t);
  return header;
}

/** The value at a table offset from readHeader/findKey, parsed (undefined for -1). Throws on invalid JSON. */
export function valueAt(text: string, table: KeyTable, t: number, clean = false): unknown {
  return t < 0 ? undefined : parseValueAt(text, table[t + 2], table[t + 3], clean);
}
