/**
 * Verdicts of rule items that read only `userIdentity`, remembered per userIdentity text. In a
 * trail one principal makes call after call with the same credentials, so projection hands the
 * same parsed userIdentity object to record after record (cloudtrail/raw value caches); an item
 * such as `userIdentity.type: Root` or `userIdentity.arn|re: …` then has the same verdict each
 * time. Each such item of a compiled rule takes a slot number (sigma/rule-code.ts); the cached
 * userIdentity value carries a byte per slot: 0 (or beyond its end) not known, 1 true, 2 false.
 */

/** The top-level key whose cached values carry verdicts. */
export const MEMO_KEY = 'userIdentity';

/** Slots per process; items numbered beyond them are evaluated every time. */
const MEMO_SLOTS = 512;

let assigned = 0;

/** A new slot number for an item that reads only MEMO_KEY, or undefined when none is left. */
export function nextMemoSlot(): number | undefined {
  return assigned < MEMO_SLOTS ? assigned++ : undefined;
}

/** The verdicts of one cached userIdentity value, by slot. */
export type IdentityMemo = Uint8Array;

/**
 * A memo for one cached value, a byte per slot taken so far: small typed arrays live on V8's heap,
 * where a cache that turns over frees them at once (docs/performance.md gives what larger ones
 * cost). Slots taken later fall outside it, and their items are evaluated every time.
 */
export function newIdentityMemo(): IdentityMemo {
  return new Uint8Array(assigned);
}
