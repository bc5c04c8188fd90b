// AssemblyScript source of the splitter's hot loop (src/cloudtrail/raw/splitter.ts,
// scanInsideRecord), compiled by scripts/build-wasm.ts into src/cloudtrail/raw/scan-record-wasm.ts.
// It runs over the bytes of an ASCII chunk (where byte offsets equal the string offsets the
// JavaScript splitter uses) and does exactly what scanInsideRecord does: track strings and
// nesting inside one record, and note the record's top-level keys (the key table) with each key's
// number (src/cloudtrail/raw/record-keys.ts). The JavaScript side owns everything else. The
// memory layout and states are src/cloudtrail/raw/layout.ts, shared with the JavaScript side.
import { Entry, KeyId, KeyState, WasmMemory, WasmState, WasmStop } from '../src/cloudtrail/raw/layout';

const QUOTE: i32 = 34;
const BACKSLASH: i32 = 92;
const IN: i32 = WasmMemory.In;

function state(slot: i32): i32 {
  return load<i32>(slot << 2);
}
function setState(slot: i32, value: i32): void {
  store<i32>(slot << 2, value);
}

// Small enough for the optimizer (-O3) to inline.
function same(at: i32, key: i32, len: i32): bool {
  for (let k: i32 = 0; k < len; k++) if (load<u8>(IN + at + k) != load<u8>(key + k)) return false;
  return true;
}

/** record-keys.ts keyIdAt on bytes: the number of the key in [start, end), or KeyId.NotListed. */
function keyId(start: i32, end: i32): i32 {
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
    if (load<i32>(entry, 4) == len && same(start, load<i32>(entry), len)) return slot - 1;
    h = (h + 1) & (WasmMemory.KeyHashSlots - 1);
  }
  return KeyId.NotListed;
}

/** Scans chunk bytes [i, n) of a record; returns where it stopped (see WasmStop). */
export function scanInside(i: i32, n: i32, base: i32): i32 {
  let depth = state(WasmState.Depth);
  const top = state(WasmState.Top);
  let rk = state(WasmState.Key);
  let ks = state(WasmState.KeyStart);
  let ke = state(WasmState.KeyEnd);
  let vs = state(WasmState.ValueStart);
  let id = state(WasmState.Id);
  let entries: i32 = 0;
  let dropped: i32 = 0;
  let inString: i32 = 0;
  let escape: i32 = 0;
  let stop: i32 = WasmStop.EndOfChunk;
  let dirty: i32 = 0;
  while (i < n) {
    const c = <i32>load<u8>(IN + i);
    if (c == QUOTE) {
      const start = i + 1;
      let q = start;
      // Sixteen bytes at a time to the next quote, backslash or control character (strings are
      // most of the text; the last two make the record not clean, see WasmState.Dirty).
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
        if (depth == top && rk == KeyState.ExpectKey) {
          rk = KeyState.InKey;
          ks = base + start;
        }
        i = n;
        break;
      }
      if (depth == top && rk == KeyState.ExpectKey) {
        ks = base + start;
        ke = base + q;
        rk = KeyState.AfterKey;
        id = keyId(start, q);
      }
      i = q + 1;
      continue;
    }
    if (c == 123 || c == 91) {
      if (depth == top && rk == KeyState.ExpectKey) {
        rk = KeyState.None;
        dropped = 1;
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
        vs = base + i + 1;
        rk = KeyState.InValue;
      } else if (c == 44 && rk == KeyState.InValue) {
        const at = WasmMemory.Out + entries * (Entry.Size << 2);
        store<i32>(at, ks, Entry.KeyStart << 2);
        store<i32>(at, ke, Entry.KeyEnd << 2);
        store<i32>(at, vs, Entry.ValueStart << 2);
        store<i32>(at, base + i, Entry.ValueEnd << 2);
        store<i32>(at, id, Entry.KeyId << 2);
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
  }
  setState(WasmState.Depth, depth);
  setState(WasmState.Key, rk);
  setState(WasmState.KeyStart, ks);
  setState(WasmState.KeyEnd, ke);
  setState(WasmState.ValueStart, vs);
  setState(WasmState.Id, id);
  setState(WasmState.InString, inString);
  setState(WasmState.Escape, escape);
  setState(WasmState.Entries, entries);
  setState(WasmState.Dropped, dropped);
  setState(WasmState.Stop, stop);
  setState(WasmState.Dirty, dirty);
  return i;
}
