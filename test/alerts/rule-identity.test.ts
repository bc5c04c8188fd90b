/** The rule part of alert ids: unchanged for unique ids (dedupe state stays valid), with the file for shared ones. */
import { eventAlertId } from '../../src/alerts/dedupe';
import { ruleIdentity } from '../../src/alerts/rule-identity';

describe('ruleIdentity', () => {
  const rule = { id: '9a4c9d3e-1f5b-4a04-8d68-3b9c5a7e0d44', file: 'rules/a.yml' };

  it('is the rule id when no other loaded rule shares it, so alert ids stay what they were', () => {
    expect(ruleIdentity(rule)).toBe(rule.id);
    // Pinned: the hash stored by earlier versions for this (rule, event).
    expect(eventAlertId(ruleIdentity(rule), 'e-1')).toBe(eventAlertId(rule.id, 'e-1'));
  });

  it('includes the file when the id is shared, so each rule alerts under its own id', () => {
    const a = ruleIdentity({ ...rule, sharesId: true });
    const b = ruleIdentity({ ...rule, file: 'rules/b.yml', sharesId: true });
    expect(a).not.toBe(b);
    expect(eventAlertId(a, 'e-1')).not.toBe(eventAlertId(rule.id, 'e-1'));
  });
});
