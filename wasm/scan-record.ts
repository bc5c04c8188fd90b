// AssemblyScript source of the splitter's hot loop (lambdas/cloudtrail/split.ts,
// scanInsideRecord), compiled by scripts/build-wasm.ts into lambdas/cloudtrail/scan-record-wasm.ts.
// It runs over the bytes of an ASCII chunk (where byte offsets equal the string offsets the
// JavaScript splitter uses) and does exactly what scanInsideRecord does: track strings and
// nesting inside one record, and note the record's top-level keys (the key table) with each key's
// number (lambdas/cloudtrail/record-keys.ts). The JavaScript side owns everything else.

// State block (i32 slots at byte offsets), read at entry and written back at exit.
const S_DEPTH: i32 = 0;
const S_TOP: i32 = 4; // depth of the record's own keys
const S_RK: i32 = 8;
const S_KS: i32 = 12;
const S_KE: i32 = 16;
const S_VS: i32 = 20;
const S_ID: i32 = 24; // number of the key whose value is being read (record-keys.ts; -1: not listed)
// 28: unused
const S_IN_STRING: i32 = 32; // out: a string runs past the end of the chunk
const S_ESCAPE: i32 = 36; // out: and the chunk ended inside an escape
const S_ENTRIES: i32 = 40; // out: key-table entries written at OUT
const S_DROPPED: i32 = 44; // out: a `{` or `[` stood where a key belongs: no table
const S_STOP: i32 = 48; // out: 0 end of chunk, 1 at the record's closing bracket, 2 output full
const S_DIRTY: i32 = 52; // out: a string held a backslash or a control character

/** Key-table entries: ks, ke, vs, ve, key number (five i32 each). */
const OUT: i32 = 2048;
const OUT_CAPACITY: i32 = 2048;
/** The chunk's bytes start here. */
const IN: i32 = 65536;

const RK_NONE: i32 = 0;
const RK_EXPECT_KEY: i32 = 1;
const RK_IN_KEY: i32 = 2;
const RK_AFTER_KEY: i32 = 3;
const RK_IN_VALUE: i32 = 4;

const QUOTE: i32 = 34;
const BACKSLASH: i32 = 92;

// The listed record keys (lambdas/cloudtrail/record-keys.ts), written here by the JavaScript
// side when it instantiates the module: a hash table of KEY_HASH_SLOTS i32 (key number + 1,
// 0: empty; linear probing), per key number its bytes' offset and length, then the bytes.
const KEY_HASH: i32 = 43008; // after OUT (2048 + 2048 * 20)
const KEY_HASH_SLOTS: i32 = 256;
const KEY_ENTRIES: i32 = 44032; // offset, length (two i32) per key number
const MAX_KEY_LENGTH: i32 = 63;

// Small enough for the optimizer (-O3) to inline.
function same(at: i32, key: i32, len: i32): bool {
  for (let k: i32 = 0; k < len; k++) if (load<u8>(IN + at + k) != load<u8>(key + k)) return false;
  return true;
}

/** record-keys.ts keyIdAt on bytes: the number of the key in [start, end), or -1 when not listed. */
function keyId(start: i32, end: i32): i32 {
  const len = end - start;
  if (len < 1 || len > MAX_KEY_LENGTH) return -1;
  // record-keys.ts keyHash
  let h =
    (len * 37 +
      <i32>load<u8>(IN + start) * 7 +
      <i32>load<u8>(IN + start + (len >> 1)) * 3 +
      <i32>load<u8>(IN + end - 1)) &
    (KEY_HASH_SLOTS - 1);
  for (let probe: i32 = 0; probe < KEY_HASH_SLOTS; probe++) {
    const slot = load<i32>(KEY_HASH + (h << 2));
    if (slot == 0) return -1;
    const entry = KEY_ENTRIES + ((slot - 1) << 3);
    if (load<i32>(entry, 4) == len && same(start, load<i32>(entry), len)) return slot - 1;
    h = (h + 1) & (KEY_HASH_SLOTS - 1);
  }
  return -1;
}

/** Scans chunk bytes [i, n) of a record; returns where it stopped (see S_STOP). */
export function scanInside(i: i32, n: i32, base: i32): i32 {
  let depth = load<i32>(S_DEPTH);
  const top = load<i32>(S_TOP);
  let rk = load<i32>(S_RK);
  let ks = load<i32>(S_KS);
  let ke = load<i32>(S_KE);
  let vs = load<i32>(S_VS);
  let id = load<i32>(S_ID);
  let entries: i32 = 0;
  let dropped: i32 = 0;
  let inString: i32 = 0;
  let escape: i32 = 0;
  let stop: i32 = 0;
  let dirty: i32 = 0;
  while (i < n) {
    const c = <i32>load<u8>(IN + i);
    if (c == QUOTE) {
      const start = i + 1;
      let q = start;
      // Sixteen bytes at a time to the next quote, backslash or control character (strings are
      // most of the text; the last two make the record not clean, see S_DIRTY).
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
        dirty = 1;
        q += t == BACKSLASH ? 2 : 1; // an escape and the character it escapes, or a control character
        if (q >= n) break;
      }
      if (q >= n) {
        // The string goes on in the next chunk (q > n: the chunk ended inside an escape).
        inString = 1;
        escape = q > n ? 1 : 0;
        if (depth == top && rk == RK_EXPECT_KEY) {
          rk = RK_IN_KEY;
          ks = base + start;
        }
        i = n;
        break;
      }
      if (depth == top && rk == RK_EXPECT_KEY) {
        ks = base + start;
        ke = base + q;
        rk = RK_AFTER_KEY;
        id = keyId(start, q);
      }
      i = q + 1;
      continue;
    }
    if (c == 123 || c == 91) {
      if (depth == top && rk == RK_EXPECT_KEY) {
        rk = RK_NONE;
        dropped = 1;
      }
      depth++;
    } else if (c == 125 || c == 93) {
      if (depth == top) {
        stop = 1;
        break;
      }
      depth--;
    } else if (depth == top) {
      if (c == 58 && rk == RK_AFTER_KEY) {
        vs = base + i + 1;
        rk = RK_IN_VALUE;
      } else if (c == 44 && rk == RK_IN_VALUE) {
        const at = OUT + entries * 20;
        store<i32>(at, ks);
        store<i32>(at, ke, 4);
        store<i32>(at, vs, 8);
        store<i32>(at, base + i, 12);
        store<i32>(at, id, 16);
        entries++;
        rk = RK_EXPECT_KEY;
        if (entries == OUT_CAPACITY) {
          i++;
          stop = 2;
          break;
        }
      }
    }
    i++;
  }
  store<i32>(S_DEPTH, depth);
  store<i32>(S_RK, rk);
  store<i32>(S_KS, ks);
  store<i32>(S_KE, ke);
  store<i32>(S_VS, vs);
  store<i32>(S_ID, id);
  store<i32>(S_IN_STRING, inString);
  store<i32>(S_ESCAPE, escape);
  store<i32>(S_ENTRIES, entries);
  store<i32>(S_DROPPED, dropped);
  store<i32>(S_STOP, stop);
  store<i32>(S_DIRTY, dirty);
  return i;
}
