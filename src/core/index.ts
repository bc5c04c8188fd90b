/**
 * The shared kernel: kinds every folder uses (levels, records, diagnostics, account info, AWS
 * identifiers), defined once. It imports nothing from the project.
 */
export {
  ACCOUNT_ID,
  ACCOUNT_ID_SOURCE,
  isAccountId,
  ORGANIZATION_ID_SOURCE,
  REGION,
  REGION_SOURCE,
} from './aws-ids';
export type { AccountInfo } from './account';
export { GUARDDUTY_RULE_PREFIX, isGuardDutyRuleRef } from './guardduty';
export { formatDiagnostic, type Diagnostic, type Severity } from './diagnostic';
export { isProblem, TrailAlertsError, type Problem } from './errors';
export { LEVELS, levelRank, type Level } from './level';
export type { CloudTrailRecord, EventSummary } from './record';
export { buildFieldPlan, type FieldPlan, type FieldReads } from './field-plan';
export { MEMO_KEY, newIdentityMemo, nextMemoSlot, type IdentityMemo } from './identity-memo';
