/**
 * What an alert is about, as a stable key: rule, account, actor and target, the parts grouping
 * tells repeats apart by (alerts/grouping.ts). PagerDuty's dedup_key and the Security Hub finding
 * Id are built from it, so those tools merge what grouping counts as one. A digest sent on its own
 * covers several targets of one (rule, account, actor): its key says so instead of naming one.
 */
import { createHash } from 'node:crypto';
import { type Alert, ruleIdentity } from '../alerts';

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** 40 hex characters; the parts are JSON-encoded, so no actor or target text can pose as another split. */
export function incidentKey(alert: Alert): string {
  const rule = alert.rule ?? { id: '', file: '' };
  const target = alert.digest?.standalone === true ? { digest: true } : text(alert.target?.key);
  const parts = [ruleIdentity(rule), text(alert.account?.id), text(alert.actor?.id), target];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 40);
}
