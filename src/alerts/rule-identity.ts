/**
 * The rule part of an alert's identity (alert id, grouping key). It is the rule id, as it always
 * was, so dedupe state stays valid; only when two loaded rules share an id (TrailAlerts' pack has
 * such a pair) does it include the rule's file, so the second rule's alerts are not dropped.
 */
import type { RuleMeta } from '../sigma';

export function ruleIdentity(rule: Pick<RuleMeta, 'id' | 'file' | 'sharesId'>): string {
  return rule.sharesId ? `${rule.id}\n${rule.file}` : rule.id;
}
