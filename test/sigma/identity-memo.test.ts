/**
 * Verdicts of items that read only userIdentity, remembered per userIdentity value
 * (core/identity-memo.ts, rule-code.ts): which items use the memo, that it is read and written,
 * and that over records sharing one userIdentity object it gives the verdicts of plain evaluation.
 */
import { newIdentityMemo, type CloudTrailRecord } from '../../src/core';
import { makeRng, syntheticRecords } from '../../scripts/synthetic-events';
import { ruleOf } from './helpers';

/** A memo that claims every remembered item is true. */
function allTrue(): Uint8Array {
  return newIdentityMemo().fill(1);
}

describe('identity memo', () => {
  it('is read for items on userIdentity fields, not for other items', () => {
    const rule = ruleOf(`
sel: {userIdentity.type: Root, sourceIPAddress: 203.0.113.7}
condition: sel`);
    const record = { userIdentity: { type: 'IAMUser' }, sourceIPAddress: '203.0.113.7' };
    expect(rule.match(record, true)).toBe(false);
    // The memo says type is Root: only the userIdentity item takes its verdict from it.
    expect(rule.match(record, true, allTrue())).toBe(true);
    expect(rule.match({ ...record, sourceIPAddress: '198.51.100.1' }, true, allTrue())).toBe(false);
  });

  it('remembers the verdict before a leaf negation, and a matcher’s own verdict', () => {
    const rule = ruleOf(`
sel: {userIdentity.type|neq: Root}
nul: {userIdentity.invokedBy: null}
condition: sel and nul`);
    const memo = newIdentityMemo();
    const identity = { type: 'IAMUser' };
    expect(rule.match({ userIdentity: identity }, true, memo)).toBe(true);
    expect([...memo].filter((v) => v !== 0)).toHaveLength(2);
    expect(rule.match({ userIdentity: identity }, true, memo)).toBe(true);
    expect(rule.match({ userIdentity: { type: 'Root' } }, true, newIdentityMemo())).toBe(false);
  });

  it('evaluates items whose slot a memo made before them does not hold, every time', () => {
    const early = newIdentityMemo();
    const rule = ruleOf(`
sel: {userIdentity.type: Root}
condition: sel`);
    expect(rule.match({ userIdentity: { type: 'Root' } }, true, early)).toBe(true);
    expect(rule.match({ userIdentity: { type: 'IAMUser' } }, true, early)).toBe(false);
    expect(rule.match({ userIdentity: { type: 'Root' } }, true, newIdentityMemo())).toBe(true);
  });

  it('is not used for fieldref, which reads a second field', () => {
    const rule = ruleOf(`
sel: {userIdentity.userName|fieldref: requestParameters.userName}
condition: sel`);
    const record = { userIdentity: { userName: 'a' }, requestParameters: { userName: 'b' } };
    expect(rule.match(record, true, allTrue())).toBe(false);
  });

  it('gives plain evaluation’s verdicts over records that share userIdentity objects', () => {
    const rule = ruleOf(`
root: {userIdentity.type: Root, userIdentity.invokedBy: null}
role: {userIdentity.sessionContext.sessionIssuer.type: Role, userIdentity.arn|re: ':assumed-role/[A-Za-z]+'}
svc: {userIdentity.invokedBy|exists: true}
denied: {errorCode|exists: true}
condition: (root or role) and not svc or denied`);
    const records = syntheticRecords(3000, { seed: 3 }) as CloudTrailRecord[];
    // One object per distinct userIdentity text, as the projection's cache hands them out.
    const shared = new Map<string, { value: unknown; memo: Uint8Array }>();
    const rng = makeRng(9);
    let hits = 0;
    for (const record of records) {
      const text = JSON.stringify(record.userIdentity);
      let entry = shared.get(text);
      if (!entry) shared.set(text, (entry = { value: JSON.parse(text) as unknown, memo: newIdentityMemo() }));
      const projected = { ...record, userIdentity: entry.value };
      const expected = rule.match(record);
      expect(rule.match(projected, true, rng() < 0.9 ? entry.memo : undefined)).toBe(expected);
      if (expected) hits++;
    }
    expect(shared.size).toBeLessThan(records.length / 2);
    expect(hits).toBeGreaterThan(100);
  });
});
