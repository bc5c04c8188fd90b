/**
 * The top-level keys of CloudTrail records (the record contents reference, plus the digest and
 * Insights markers), each with a small number: the splitter notes each record key's number in the
 * key table while it scans, so a view finds the keys it needs by number instead of comparing key
 * texts character by character. A key outside this list is KeyId.NotListed and compared by text.
 *
 * The order is part of the layout: the first six are the header keys in Slot order, then the two
 * digest/Insights markers (Slot.Unusual).
 */
import { KeyId, Slot, WasmMemory } from './layout';

export const RECORD_KEYS = [
  'eventName',
  'eventSource',
  'eventTime',
  'eventType',
  'eventCategory',
  'recipientAccountId',
  'digestStartTime',
  'insightDetails',
  'eventVersion',
  'userIdentity',
  'awsRegion',
  'sourceIPAddress',
  'userAgent',
  'errorCode',
  'errorMessage',
  'requestParameters',
  'responseElements',
  'additionalEventData',
  'requestID',
  'eventID',
  'readOnly',
  'resources',
  'managementEvent',
  'apiVersion',
  'serviceEventDetails',
  'sharedEventID',
  'vpcEndpointId',
  'vpcEndpointAccountId',
  'addendum',
  'sessionCredentialFromConsole',
  'edgeDeviceDetails',
  'tlsDetails',
] as const;

/** Slots of the open-addressing table that maps a key's hash to its number (a power of two). */
const KEY_HASH_SLOTS = WasmMemory.KeyHashSlots;

/**
 * The hash both sides compute from a key's length and three of its characters (first, middle,
 * last); wasm/scan-record.ts keyId mirrors it. Collisions cost a probe, never a wrong number: the
 * key text is compared before a number is taken.
 */
export function keyHash(length: number, first: number, middle: number, last: number): number {
  return (length * 37 + first * 7 + middle * 3 + last) & (KEY_HASH_SLOTS - 1);
}

/** Listed keys by length, for keyIdAt (JavaScript side). */
const BY_LENGTH: Array<Array<{ key: string; id: number }> | undefined> = [];
RECORD_KEYS.forEach((key, id) => (BY_LENGTH[key.length] ??= []).push({ key, id }));

/**
 * Whether `key` is written at `at` (the caller has compared lengths). A loop of charCodeAt, which
 * the JIT inlines, is much cheaper here than a startsWith call on a sliced string; the first
 * characters of most keys differ, so it usually stops at once.
 */
export function keyAt(text: string, at: number, key: string): boolean {
  for (let i = key.length - 1; i >= 0; i--) if (text.charCodeAt(at + i) !== key.charCodeAt(i)) return false;
  return true;
}

/** The number of the key text[start, end) (its raw text, between the quotes), or KeyId.NotListed. */
export function keyIdAt(text: string, start: number, end: number): number {
  const candidates = BY_LENGTH[end - start];
  if (candidates === undefined) return KeyId.NotListed;
  for (const { key, id } of candidates) if (keyAt(text, start, key)) return id;
  return KeyId.NotListed;
}

/** The header slot of a key number (the header keys come first in RECORD_KEYS, then the markers), or -1. */
export function headerSlotOf(id: number): number {
  return id < 0 ? -1 : id < Slot.Unusual ? id : id < Slot.Unusual + Slot.Markers ? Slot.Unusual : -1;
}

/**
 * The table the WebAssembly loop probes: for each hash slot, the key's number plus one (0: empty),
 * with linear probing; built here so the list above is the only place keys are written.
 */
export function keyHashTable(): Int32Array {
  const table = new Int32Array(KEY_HASH_SLOTS);
  RECORD_KEYS.forEach((key, id) => {
    const n = key.length;
    let h = keyHash(n, key.charCodeAt(0), key.charCodeAt(n >> 1), key.charCodeAt(n - 1));
    while (table[h] !== 0) h = (h + 1) & (KEY_HASH_SLOTS - 1);
    table[h] = id + 1;
  });
  return table;
}
