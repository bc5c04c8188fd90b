/**
 * Public entry point of the Sigma engine: load and parse rules, index them for dispatch,
 * explain matches, apply filter documents.
 */
export { loadRules, listRuleFiles, checkBundle } from './load';
export { parseRules } from './parse';
export { RuleIndex } from './rule-index';
export { explainRule, formatExplanation, mismatchReasons, appliesTo } from './explain';
export { applyFilters } from './apply-filters';
export { gateCloses } from './identity-gate';
export { parseTimespan } from './correlation-document';
export { derivedRuleId } from './rule-meta';
export { useDocumentCache, type DocumentCache, type YamlDocuments } from './document-cache';
export {
  runRuleTests,
  ruleFileFor,
  type SequenceTester,
  type RuleTestReport,
  type CaseResult,
} from './rule-tests';
export * from './model';
// The kernel kinds the engine's API speaks in (rules' levels, records, diagnostics).
export {
  formatDiagnostic,
  LEVELS,
  levelRank,
  type CloudTrailRecord,
  type Diagnostic,
  type Level,
  type Severity,
} from '../core';
