/**
 * Parsing one value of a record's text, and the caches of parsed object values that make
 * projection cheap: in a trail the same principal makes call after call with the same
 * credentials, so `userIdentity` (what rules read most, ~0.5 KB) repeats verbatim.
 */
import type { IdentityMemo } from '../../core';
import { closingQuote } from './key-table';

const QUOTE = 34;
const COLON = 58;

const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;
/** Characters that need JSON.parse in a string: escapes and raw control characters (invalid JSON). */
// eslint-disable-next-line no-control-regex -- raw control characters are exactly what must be found
const NEEDS_PARSE = /[\\\u0000-\u001f]/;

/**
 * Parses the value text between `start` and `end` (whitespace around it allowed). Throws on
 * invalid JSON. `clean`: no string of the record holds a backslash or a control character, so a
 * string value is the text between its quotes, checked no further.
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

/**
 * Whether the value text[start, end) is the JSON string `wanted`; `clean` as for parseValueAt,
 * where a string's text is its value, so a length that differs tells without parsing. Throws on
 * invalid JSON.
 */
export function valueIsString(
  text: string,
  start: number,
  end: number,
  wanted: string,
  clean: boolean,
): boolean {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  if (clean && end - start !== wanted.length + 2) return false;
  return parseValueAt(text, start, end, clean) === wanted;
}

/**
 * Whether a key of the JSON value text[start, end), at any depth, may hold a dot; false only when
 * none does. For text with no backslash (a clean record), where every quote opens or closes a
 * string: each dot is followed, up to the next quote, by the end of its string, and a key's string
 * is followed by a colon. A dot outside strings (a number) may answer true, which is only slower.
 */
export function keysMayHoldDot(text: string, start: number, end: number): boolean {
  let at = text.indexOf('.', start);
  while (at !== -1 && at < end) {
    const quote = text.indexOf('"', at + 1);
    if (quote === -1 || quote >= end) return false;
    let after = quote + 1;
    while (after < end && isSpace(text.charCodeAt(after))) after++;
    if (after < end && text.charCodeAt(after) === COLON) return true;
    at = text.indexOf('.', quote + 1);
  }
  return false;
}

/**
 * The JSON of the value text between `start` and `end` as JSON.stringify writes it: a string
 * without escapes is its text as it is, anything else is parsed and written again. `clean` as for
 * parseValueAt: the string is not searched for escapes. Throws on invalid JSON.
 */
export function valueJsonAt(text: string, start: number, end: number, clean = false): string {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  const json = text.slice(start, end);
  if (
    end - start >= 2 &&
    text.charCodeAt(start) === QUOTE &&
    text.indexOf('"', start + 1) === end - 1 &&
    (clean || !NEEDS_PARSE.test(json))
  )
    return json;
  return JSON.stringify(JSON.parse(json));
}

/**
 * Parsed object and array values by their text, one cache per key, so that keys whose values
 * never repeat do not evict userIdentity. Values are shared between records, which is safe
 * because rules only read them. Bounded, in two generations: when the young map is full it
 * becomes the old one, and an entry found in the old map moves back to the young one, so the
 * texts in use survive and a set of texts larger than the cache costs parses, not a cache
 * emptied again and again.
 */
export interface CacheEntry {
  text: string;
  value: unknown;
  /** Verdicts of the rule items that read only this value (userIdentity's cache only). */
  memo?: IdentityMemo;
  /** keysMayHoldDot of the text, once asked (only for a record without escapes). */
  keysMayHoldDot?: boolean;
}
export interface ValueCache {
  /** By fingerprint (see fingerprint()); the entry's text is compared before its value is used. */
  values: Map<number, CacheEntry>;
  old: Map<number, CacheEntry>;
  lookups: number;
  hits: number;
  /** Off for a key whose values rarely repeat (requestParameters …): only the parse is paid. */
  on: boolean;
}

/** Process-wide, as a warm Lambda's trails repeat from object to object. */
const valueCaches = new Map<string, ValueCache>();

export function valueCacheFor(key: string): ValueCache {
  let cache = valueCaches.get(key);
  if (!cache)
    valueCaches.set(key, (cache = { values: new Map(), old: new Map(), lookups: 0, hits: 0, on: true }));
  return cache;
}
/** Entries per generation (so up to twice as many texts per key). */
const VALUE_CACHE_ENTRIES = 2048;
/** After this many lookups a key's cache stays on only if at least a quarter of them hit. */
const TRIAL_LOOKUPS = 512;
const RETRY_AFTER = 65_536;

/**
 * The key's cache entry for the object or array value text[start, end), parsed and added when it
 * is not there; undefined for other values and when the key's cache is off. Throws on invalid JSON.
 */
export function cachedEntry(
  cache: ValueCache,
  text: string,
  start: number,
  end: number,
): CacheEntry | undefined {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  const c = text.charCodeAt(start);
  if (c !== 123 && c !== 91) return undefined;
  if (!cache.on) {
    // Tried again now and then: a warm Lambda sees other trails with other patterns.
    if (++cache.lookups >= RETRY_AFTER) Object.assign(cache, { lookups: 0, hits: 0, on: true });
    return undefined;
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
    return entry;
  }
  entry = cache.old.get(print);
  if (entry !== undefined && entry.text === raw) {
    cache.hits++;
    if (cache.on) remember(cache, print, entry);
    return entry;
  }
  const value: unknown = JSON.parse(raw);
  if (!cache.on) return { text: raw, value };
  entry = { text: detachedCopy(raw), value };
  remember(cache, print, entry);
  return entry;
}

/**
 * A copy of a text that is kept for long: a slice would pin the whole decoded chunk it came
 * from (V8 keeps sliced strings as views of their parent).
 */
function detachedCopy(text: string): string {
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
