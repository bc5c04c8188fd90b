// AssemblyScript source of the splitter's hot loop (src/cloudtrail/raw/splitter.ts,
// scanInsideRecord), compiled by scripts/build-wasm.ts into src/cloudtrail/raw/scan-record-wasm.ts.
// It runs over the bytes of an ASCII chunk (where byte offsets equal the string offsets the
// JavaScript splitter uses) and does exactly what scanInsideRecord does: track strings and
// nesting inside one record, and note the record's top-level keys (the key table) with each key's
// number (src/cloudtrail/raw/record-keys.ts). The JavaScript side owns everything else. The
// memory layout and states are src/cloudtrail/raw/layout.ts, shared with the JavaScript side.
//
// Most of the text goes 64 bytes at a time (as simdjson's first stage does): bit masks of the
// block's quotes, brackets, colons and commas, the bytes inside strings from the prefix xor of
// the quotes (carried from block to block), then only the brackets outside strings, and where
// the record's own keys are, the colons, commas and key quotes, one set bit at a time. A block
// where a string holds a backslash or a control character, and the last bytes of a chunk, go
// byte by byte as before. V8 keeps few locals in registers here: the key's offsets and number
// live in the state block, not in locals.
import { Entry, KeyId, KeyState, WasmMemory, WasmState, WasmStop } from '../src/cloudtrail/raw/layout';

const QUOTE: i32 = 34;
const BACKSLASH: i32 = 92;
const IN: i32 = WasmMemory.In;
/** Bytes per block of the fast path. */
const BLOCK: i32 = 64;

function state(slot: i32): i32 {
  return load<i32>(slot << 2);
}
function setState(slot: i32, value: i32): void {
  store<i32>(slot << 2, value);
}

/** Writes key-table entry `entry` to Out: the key and value start noted in the state block, the value's end. */
function storeEntry(entry: i32, valueEnd: i32): void {
  const at = WasmMemory.Out + entry * (Entry.Size << 2);
  store<i32>(at, state(WasmState.KeyStart), Entry.KeyStart << 2);
  store<i32>(at, state(WasmState.KeyEnd), Entry.KeyEnd << 2);
  store<i32>(at, state(WasmState.ValueStart), Entry.ValueStart << 2);
  store<i32>(at, valueEnd, Entry.ValueEnd << 2);
  store<i32>(at, state(WasmState.Id), Entry.KeyId << 2);
}

/** Whether chunk bytes [at, at + len) equal the len bytes at key; sixteen at a time within the chunk's n bytes. */
function same(at: i32, key: i32, len: i32, n: i32): bool {
  let k: i32 = 0;
  for (; k + 16 <= len; k += 16)
    if (!i8x16.all_true(i8x16.eq(v128.load(IN + at + k), v128.load(key + k)))) return false;
  if (k == len) return true;
  if (at + k + 16 <= n) {
    // The bytes past the key's end take part in the compare, not in the result.
    const equal = i8x16.bitmask(i8x16.eq(v128.load(IN + at + k), v128.load(key + k)));
    return (~equal & ((1 << (len - k)) - 1)) == 0;
  }
  for (; k < len; k++) if (load<u8>(IN + at + k) != load<u8>(key + k)) return false;
  return true;
}

/** record-keys.ts keyIdAt on bytes: the number of the key in chunk bytes [start, end) of n, or KeyId.NotListed. */
function keyId(start: i32, end: i32, n: i32): i32 {
  const len = end - start;
  if (len < 1 || len > WasmMemory.MaxKeyLength) return KeyId.NotListed;
  // record-keys.ts keyHash
  let h =
    (len * 37 +
      <i32>load<u8>(IN + start) * 7 +
      <i32>load<u8>(IN + start + (len >> 1)) * 3 +
      <i32>load<u8>(IN + end - 1)) &
    (WasmMemory.KeyHashSlots - 1);
  for (let probe: i32 = 0; probe < WasmMemory.KeyHashSlots; probe++) {
    const slot = load<i32>(WasmMemory.KeyHash + (h << 2));
    if (slot == 0) return KeyId.NotListed;
    const entry = WasmMemory.KeyEntries + ((slot - 1) << 3);
    if (load<i32>(entry, 4) == len && same(start, load<i32>(entry), len, n)) return slot - 1;
    h = (h + 1) & (WasmMemory.KeyHashSlots - 1);
  }
  return KeyId.NotListed;
}

/** The bits of four 16-byte compare results, as one 64-bit mask. */
function bits(a: v128, b: v128, c: v128, d: v128): i64 {
  return (
    (<i64>i8x16.bitmask(a)) |
    ((<i64>i8x16.bitmask(b)) << 16) |
    ((<i64>i8x16.bitmask(c)) << 32) |
    ((<i64>i8x16.bitmask(d)) << 48)
  );
}

/** Backslashes and control characters. */
function oddBytes(v: v128): v128 {
  return v128.or(i8x16.eq(v, i8x16.splat(92)), i8x16.lt_s(v, i8x16.splat(32)));
}

/** { [ */
function opens16(v: v128): v128 {
  return i8x16.eq(v128.or(v, i8x16.splat(32)), i8x16.splat(123)); // [ as {
}

/** } ] */
function closes16(v: v128): v128 {
  return i8x16.eq(v128.or(v, i8x16.splat(32)), i8x16.splat(125)); // ] as }
}

/** : , */
function puncts16(v: v128): v128 {
  return v128.or(i8x16.eq(v, i8x16.splat(58)), i8x16.eq(v, i8x16.splat(44)));
}

/** Scans chunk bytes [i, n) of a record (i is outside any string); returns where it stopped (see WasmStop). */
export function scanInside(i: i32, n: i32, base: i32): i32 {
  let depth = state(WasmState.Depth);
  const top = state(WasmState.Top);
  let rk = state(WasmState.Key);
  let entries: i32 = 0;
  // KeyStart, KeyEnd, ValueStart and Id are read and written in the state block itself.
  setState(WasmState.InString, 0);
  setState(WasmState.Escape, 0);
  setState(WasmState.Dropped, 0);
  setState(WasmState.Dirty, 0);
  let stop: i32 = WasmStop.EndOfChunk;
  // 1 when i is inside a string (whose text starts at sstart) that an earlier block opened.
  let carry: i64 = 0;
  let sstart: i32 = 0;
  // Bytes before slow are scanned one at a time (a block with a backslash or a control character
  // inside a string).
  let slow: i32 = 0;
  while (i < n) {
    // The string to follow from q (its text starts at start), when the code below leaves one open.
    let start: i32;
    let q: i32;
    if (i + BLOCK <= n && i >= slow) {
      // A block at once: a bit per byte for quotes, brackets, colons and commas, and backslashes
      // and control characters (both only matter inside strings).
      const a = v128.load(IN + i);
      const b = v128.load(IN + i, 16);
      const c = v128.load(IN + i, 32);
      const d = v128.load(IN + i, 48);
      const quotes = bits(
        i8x16.eq(a, i8x16.splat(34)),
        i8x16.eq(b, i8x16.splat(34)),
        i8x16.eq(c, i8x16.splat(34)),
        i8x16.eq(d, i8x16.splat(34)),
      );
      const oa = oddBytes(a);
      const ob = oddBytes(b);
      const oc = oddBytes(c);
      const od = oddBytes(d);
      // Rare: their bits only when there are some.
      const odd = v128.any_true(v128.or(v128.or(oa, ob), v128.or(oc, od))) ? bits(oa, ob, oc, od) : 0;
      // Bytes inside strings (an opening quote and the text after it, not the closing quote): the
      // prefix xor of the quotes, exact when no string holds a backslash.
      let inside = quotes ^ (quotes << 1);
      inside ^= inside << 2;
      inside ^= inside << 4;
      inside ^= inside << 8;
      inside ^= inside << 16;
      inside ^= inside << 32;
      inside ^= -carry;
      if ((odd & inside) == 0) {
        // A string open at the end of the block starts after its last quote, or before it.
        if (quotes != 0) sstart = i + 64 - <i32>clz(quotes);
        carry = inside >>> 63;
        const outside = ~inside;
        const opens = bits(opens16(a), opens16(b), opens16(c), opens16(d)) & outside;
        const closes = bits(closes16(a), closes16(b), closes16(c), closes16(d)) & outside;
        // Deeper than the record's keys, with too few closing brackets to come back up to them:
        // only the depth changes.
        if (depth - top > <i32>popcnt(closes)) {
          depth += <i32>popcnt(opens) - <i32>popcnt(closes);
          i += BLOCK;
          continue;
        }
        const brackets = opens | closes;
        let events = brackets | (bits(puncts16(a), puncts16(b), puncts16(c), puncts16(d)) & outside);
        let keyQuotes = quotes;
        // Events in order: brackets, and where the record's own keys are, colons, commas and the
        // quotes of keys (a quote seen where a key is expected opens one).
        for (;;) {
          let m = events;
          if (depth == top && (rk == KeyState.ExpectKey || rk == KeyState.InKey)) m |= keyQuotes;
          if (m == 0) break;
          const k = <i32>ctz(m);
          const later = -((<i64>2) << k);
          events &= later;
          keyQuotes &= later;
          const ch = <i32>load<u8>(IN + i + k);
          if (depth != top) {
            // Deeper than the record's keys: only brackets count, until the depth is back up.
            if (ch > 90) depth += (ch & 2) - 1; // { and [ have bit 2, } and ] not; : and , are below
            let more = brackets & later;
            let last = k;
            while (depth != top && more != 0) {
              last = <i32>ctz(more);
              more &= more - 1;
              depth += ((<i32>load<u8>(IN + i + last)) & 2) - 1;
            }
            if (depth != top) break;
            events &= -((<i64>2) << last);
            keyQuotes &= -((<i64>2) << last);
            continue;
          }
          if (ch == QUOTE) {
            if (rk == KeyState.ExpectKey) {
              setState(WasmState.KeyStart, base + i + k + 1);
              rk = KeyState.InKey;
              // The key's closing quote is the next quote, when it is in the block.
              if (keyQuotes == 0) break;
              const e = <i32>ctz(keyQuotes);
              keyQuotes &= -((<i64>2) << e);
              setState(WasmState.KeyEnd, base + i + e);
              rk = KeyState.AfterKey;
              setState(WasmState.Id, keyId(i + k + 1, i + e, n));
              // Most often the colon and a value without brackets follow, then a comma.
              let after = -((<i64>2) << e);
              let next = events & after;
              if (next == 0) continue;
              let at = <i32>ctz(next);
              if (load<u8>(IN + i + at) != 58) continue;
              setState(WasmState.ValueStart, base + i + at + 1);
              rk = KeyState.InValue;
              after = -((<i64>2) << at);
              events &= after;
              keyQuotes &= after;
              next = events;
              if (next == 0) continue;
              at = <i32>ctz(next);
              if (load<u8>(IN + i + at) != 44) continue;
              storeEntry(entries, base + i + at);
              entries++;
              rk = KeyState.ExpectKey;
              if (entries == WasmMemory.OutCapacity) {
                i += at + 1;
                stop = WasmStop.OutputFull;
                break;
              }
              after = -((<i64>2) << at);
              events &= after;
              keyQuotes &= after;
            } else {
              setState(WasmState.KeyEnd, base + i + k);
              rk = KeyState.AfterKey;
              setState(WasmState.Id, keyId(state(WasmState.KeyStart) - base, i + k, n));
            }
          } else if (ch == 58) {
            if (rk == KeyState.AfterKey) {
              setState(WasmState.ValueStart, base + i + k + 1);
              rk = KeyState.InValue;
            }
          } else if (ch == 44) {
            if (rk == KeyState.InValue) {
              storeEntry(entries, base + i + k);
              entries++;
              rk = KeyState.ExpectKey;
              if (entries == WasmMemory.OutCapacity) {
                i += k + 1;
                stop = WasmStop.OutputFull;
                break;
              }
            }
          } else if (ch & 2) {
            if (rk == KeyState.ExpectKey) {
              rk = KeyState.None;
              setState(WasmState.Dropped, 1);
            }
            depth++;
          } else {
            i += k;
            stop = WasmStop.RecordEnd;
            break;
          }
        }
        if (stop != WasmStop.EndOfChunk) break;
        i += BLOCK;
        continue;
      }
      // A backslash or a control character inside a string: this block byte by byte.
      slow = i + BLOCK;
      if (!carry) continue;
      start = sstart;
      q = i;
    } else if (carry) {
      start = sstart;
      q = i;
    } else {
      const c = <i32>load<u8>(IN + i);
      if (c != QUOTE) {
        if (c == 123 || c == 91) {
          if (depth == top && rk == KeyState.ExpectKey) {
            rk = KeyState.None;
            setState(WasmState.Dropped, 1);
          }
          depth++;
        } else if (c == 125 || c == 93) {
          if (depth == top) {
            stop = WasmStop.RecordEnd;
            break;
          }
          depth--;
        } else if (depth == top) {
          if (c == 58 && rk == KeyState.AfterKey) {
            setState(WasmState.ValueStart, base + i + 1);
            rk = KeyState.InValue;
          } else if (c == 44 && rk == KeyState.InValue) {
            storeEntry(entries, base + i);
            entries++;
            rk = KeyState.ExpectKey;
            if (entries == WasmMemory.OutCapacity) {
              i++;
              stop = WasmStop.OutputFull;
              break;
            }
          }
        }
        i++;
        continue;
      }
      start = i + 1;
      q = start;
    }
    carry = 0;
    // Sixteen bytes at a time to the next quote, backslash or control character (the last two
    // make the record not clean, see WasmState.Dirty).
    for (;;) {
      if (q + 16 <= n) {
        const v = v128.load(IN + q);
        const m = i8x16.bitmask(
          v128.or(
            v128.or(i8x16.eq(v, i8x16.splat(34)), i8x16.eq(v, i8x16.splat(92))),
            i8x16.lt_u(v, i8x16.splat(32)),
          ),
        );
        if (m == 0) {
          q += 16;
          continue;
        }
        q += <i32>ctz(m);
      } else {
        while (q < n) {
          const t = <i32>load<u8>(IN + q);
          if (t == QUOTE || t == BACKSLASH || t < 32) break;
          q++;
        }
        if (q >= n) break;
      }
      const t = <i32>load<u8>(IN + q);
      if (t == QUOTE) break;
      setState(WasmState.Dirty, 1);
      q += t == BACKSLASH ? 2 : 1; // an escape and the character it escapes, or a control character
      if (q >= n) break;
    }
    // A key's text: the first string where a key is expected (InKey: a block saw its opening
    // quote and set KeyStart).
    const isKey = depth == top && (rk == KeyState.ExpectKey || rk == KeyState.InKey);
    if (q >= n) {
      // The string goes on in the next chunk (q > n: the chunk ended inside an escape).
      setState(WasmState.InString, 1);
      setState(WasmState.Escape, q > n ? 1 : 0);
      if (isKey) {
        rk = KeyState.InKey;
        setState(WasmState.KeyStart, base + start);
      }
      i = n;
      break;
    }
    if (isKey) {
      setState(WasmState.KeyStart, base + start);
      setState(WasmState.KeyEnd, base + q);
      rk = KeyState.AfterKey;
      setState(WasmState.Id, keyId(start, q, n));
    }
    i = q + 1;
  }
  // The last block ended inside a string, with no backslash in it (the key state is set already).
  if (carry && stop == WasmStop.EndOfChunk) setState(WasmState.InString, 1);
  setState(WasmState.Depth, depth);
  setState(WasmState.Key, rk);
  setState(WasmState.Entries, entries);
  setState(WasmState.Stop, stop);
  return i;
}
