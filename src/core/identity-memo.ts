/**
 * Verdicts of rule items that read only `userIdentity`, remembered per userIdentity text. In a
 * trail one principal makes call after call with the same credentials, so projection hands the
 * same parsed userIdentity object to record after record (cloudtrail/raw value caches); an item
 * such as `userIdentity.type: Root` or `userIdentity.arn|re: …` then has the same verdict each
 * time. Each such item of a compiled rule takes a slot number (sigma/rule-code.ts); the cached
 * userIdentity value carries a byte per slot: 0 not known yet, 1 true, 2 false.
 */

/** The top-level key whose cached values carry verdicts. */
export const MEMO_KEY = 'userIdentity';

/** Slots per cached value (a byte each); items numbered beyond them are evaluated every time. */
export const MEMO_SLOTS = 512;

let assigned = 0;

/** A new slot number for an item that reads only MEMO_KEY, or undefined when none is left. */
export function nextMemoSlot(): number | undefined {
  return assigned < MEMO_SLOTS ? assigned++ : undefined;
}

/** The verdicts of one cached userIdentity value, by slot. */
export type IdentityMemo = Uint8Array;

export function newIdentityMemo(): IdentityMemo {
  return new Uint8Array(MEMO_SLOTS);
}
