/**
 * Identity gates (sigma/identity-gate.ts): which memo verdicts a rule's condition cannot hold
 * without, and that skipping a rule when its gate closes never loses a match.
 */
import { newIdentityMemo, type CloudTrailRecord } from '../../src/core';
import { gateCloses } from '../../src/sigma';
import { syntheticRecords } from '../../scripts/synthetic-events';
import { ruleOf } from './helpers';

/** The gate's entries as [the memo verdict that closes it] (slots differ from run to run). */
function closingVerdicts(detection: string): number[] | undefined {
  return ruleOf(detection).identityGate?.map((entry) => entry & 3);
}

describe('identity gate', () => {
  it('takes the userIdentity items an AND requires, not the others', () => {
    expect(
      closingVerdicts(`
selection: {userIdentity.type: Root, userIdentity.invokedBy: null}
filter: {eventType: AwsServiceEvent}
condition: selection and not filter`),
    ).toEqual([2, 2]);
    expect(
      closingVerdicts(`
selection: {userIdentity.type: Root, eventType: AwsApiCall}
condition: selection`),
    ).toEqual([2]);
  });

  it('closes on a true verdict for a negated leaf', () => {
    expect(
      closingVerdicts(`
selection: {userIdentity.type|neq: Root}
condition: selection`),
    ).toEqual([1]);
  });

  it('takes nothing from not, from 1 of, or from one side of an or', () => {
    expect(
      closingVerdicts(`
selection: {userIdentity.type: Root}
condition: not selection`),
    ).toBeUndefined();
    expect(
      closingVerdicts(`
sel_a: {userIdentity.type: Root}
sel_b: {userIdentity.type: IAMUser}
condition: 1 of sel_*`),
    ).toBeUndefined();
    expect(
      closingVerdicts(`
sel_a: {userIdentity.type: Root}
sel_b: {eventName: GetObject}
condition: sel_a or sel_b`),
    ).toBeUndefined();
    // Alternatives of a selection (a list of maps) each with their own item.
    expect(
      closingVerdicts(`
selection:
  - userIdentity.type: Root
  - errorCode: AccessDenied
condition: selection`),
    ).toBeUndefined();
  });

  it('takes every selection of all of, and what every condition of a list requires', () => {
    expect(
      closingVerdicts(`
sel_a: {userIdentity.type: Root}
sel_b: {userIdentity.invokedBy|exists: false}
condition: all of sel_*`),
    ).toEqual([2, 2]);
    expect(
      closingVerdicts(`
root: {userIdentity.type: Root}
other: {eventName: GetObject}
condition:
  - root and other
  - root`),
    ).toEqual([2]);
    expect(
      closingVerdicts(`
root: {userIdentity.type: Root}
other: {eventName: GetObject}
condition:
  - root
  - other`),
    ).toBeUndefined();
  });

  it('has no gate for a rule on other fields or with fieldref', () => {
    expect(
      closingVerdicts(`
selection: {errorCode|startswith: AccessDenied}
condition: selection`),
    ).toBeUndefined();
    expect(
      closingVerdicts(`
selection: {userIdentity.userName|fieldref: requestParameters.userName}
condition: selection`),
    ).toBeUndefined();
  });

  it('reads a slot beyond the memo as not known', () => {
    const gate = ruleOf(`
selection: {userIdentity.type: Root}
condition: selection`).identityGate!;
    expect(gateCloses(gate, new Uint8Array(0))).toBe(false);
  });

  it('never closes for a record the rule matches, over records that share userIdentity values', () => {
    const rules = [
      `
root: {userIdentity.type: Root, userIdentity.invokedBy: null}
svc: {eventType: AwsServiceEvent}
condition: root and not svc`,
      `
sel: {userIdentity.type|neq: AssumedRole, sourceIPAddress|cidr: 0.0.0.0/0}
condition: sel`,
      `
a: {userIdentity.sessionContext.sessionIssuer.type: Role}
b: {userIdentity.arn|re: ':assumed-role/[A-Za-z]+'}
c: {errorCode|exists: true}
condition: all of a* or (b and a and c)`,
      `
role: {userIdentity.type: AssumedRole, userIdentity.sessionContext.sessionIssuer.type: Role}
condition: role`,
    ].map((detection) => ruleOf(detection));
    for (const rule of rules) expect(rule.identityGate).toBeDefined();
    const records = syntheticRecords(3000, { seed: 5 }) as CloudTrailRecord[];
    const shared = new Map<string, { value: unknown; memo: Uint8Array }>();
    const closed = rules.map(() => 0);
    const matched = rules.map(() => 0);
    for (const record of records) {
      const text = JSON.stringify(record.userIdentity);
      let entry = shared.get(text);
      if (!entry) shared.set(text, (entry = { value: JSON.parse(text) as unknown, memo: newIdentityMemo() }));
      const projected = { ...record, userIdentity: entry.value };
      rules.forEach((rule, r) => {
        const expected = rule.match(record);
        if (expected) matched[r]++;
        if (gateCloses(rule.identityGate!, entry.memo)) {
          closed[r]++;
          expect(expected).toBe(false);
        } else expect(rule.match(projected, true, entry.memo)).toBe(expected);
      });
    }
    // The gates do close, for most records of rules that rarely match.
    for (let r = 0; r < rules.length; r++) expect(closed[r]).toBeGreaterThan(0);
    expect(closed[0]).toBeGreaterThan(records.length / 2);
    expect(matched.every((m) => m > 0)).toBe(true);
  });
});
