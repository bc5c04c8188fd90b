/**
 * The typed model of Sigma documents (rules, correlations, filters) and the contracts that the
 * rest of the product uses: compiled rules, diagnostics. Parsing lives in parse.ts, compiling in
 * compile.ts; this file holds only types and small constants so every module can depend on it.
 */

import type { CloudTrailRecord, Diagnostic, Level, FieldReads, IdentityMemo } from '../core';

/** What every consumer needs to know about a detection rule, without its detection logic. */
export interface RuleMeta {
  /** The rule's `id`; when absent, a stable id derived from file and title. */
  id: string;
  title: string;
  level: Level;
  status?: string;
  description?: string;
  author?: string;
  date?: string;
  tags: string[];
  references: string[];
  falsepositives: string[];
  /** `name` of the rule (used by correlations to refer to it), when given. */
  name?: string;
  /** Path of the rule file, relative to the current directory where possible. */
  file: string;
  /** 1-based line where the rule's document starts. */
  line: number;
  /** Rule-level `fields` list, if any. */
  fields?: string[];
  /** Another loaded rule has the same id: alert identity then includes the file (set by the loader). */
  sharesId?: boolean;
}

/** Per-item result of `explain`. */
export interface ItemExplanation {
  field?: string;
  modifiers: string[];
  values: string[];
  matched: boolean;
  /** The event's value(s) at the field, rendered as text (truncated). */
  actual?: string;
}

export interface SelectionExplanation {
  name: string;
  matched: boolean;
  /** For a map: its items; for a list of maps: each alternative's items. */
  alternatives: ItemExplanation[][];
}

export interface RuleExplanation {
  rule: RuleMeta;
  condition: string[];
  matched: boolean;
  selections: SelectionExplanation[];
  /** Applied filters (Sigma filter documents) and their results. */
  filters?: { title: string; matched: boolean }[];
}

/** Literal values a rule requires for a dispatch field (lower-cased), or undefined when unconstrained. */
export interface DispatchKeys {
  /** Exact lower-cased values the field must equal for the rule to possibly match. */
  eventSource?: string[];
  eventName?: string[];
  /** Wildcard patterns (lower-cased, `*`/`?`) when exact values cannot be listed. */
  eventSourcePatterns?: string[];
  eventNamePatterns?: string[];
}

/**
 * Entries `slot * 4 + verdict` of a rule's identity gate (identity-gate.ts): the rule cannot match
 * when the memo holds `verdict` (1 true, 2 false) at `slot`. A verdict is the item's read before
 * a leaf's `neq` (rule-code.ts).
 */
export type IdentityGate = readonly number[];

/** A detection rule compiled once into an evaluator. `match` does no per-event compilation. */
export interface CompiledRule {
  meta: RuleMeta;
  /**
   * Whether the rule matches. `plain` (a speed hint, default false): the caller knows that no key
   * of the record, at any depth, holds a dot, so the literal dotted keys a field name could also
   * mean (`a.b` as one key, see field-path.ts) need not be tried. `memo` (with `plain` only): the
   * verdicts remembered for this record's userIdentity value (core/identity-memo.ts). Neither
   * changes the verdict.
   */
  match(record: CloudTrailRecord, plain?: boolean, memo?: IdentityMemo): boolean;
  explain(record: CloudTrailRecord): RuleExplanation;
  dispatch: DispatchKeys;
  /**
   * Memo verdicts under which `match` is false (identity-gate.ts): a caller holding the record's
   * memo may skip the rule when gateCloses says so. Undefined when no verdict decides it.
   */
  identityGate: IdentityGate | undefined;
  /** The field paths `match` reads (and whether it searches the whole record), for partial parsing. */
  reads: FieldReads;
}

/** Sigma correlation rule types (correlation specification 2.1). */
export const CORRELATION_TYPES = [
  'event_count',
  'value_count',
  'temporal',
  'temporal_ordered',
  'value_sum',
  'value_avg',
  'value_percentile',
] as const;
export type CorrelationType = (typeof CORRELATION_TYPES)[number];

export interface CorrelationCondition {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  eq?: number;
  neq?: number;
  /** Field for value_count / value_sum / value_avg / value_percentile. */
  field?: string;
  /** For value_percentile. */
  percentile?: number;
}

export interface CorrelationRuleModel {
  meta: RuleMeta;
  type: CorrelationType;
  /** Names or ids of the rules (or correlations) it correlates. */
  rules: string[];
  groupBy: string[];
  /** Timespan in milliseconds. */
  timespanMs: number;
  /** Original timespan text, e.g. `15m`. */
  timespan: string;
  condition?: CorrelationCondition;
  /** alias name -> (rule name -> field name). */
  aliases: Record<string, Record<string, string>>;
  /** Whether the referenced rules also produce their own alerts. */
  generate: boolean;
}

/** A Sigma filter document: applies `(rule condition) and (filter condition)` to the rules it names. */
export interface FilterRuleModel {
  meta: RuleMeta;
  /** Rule ids, names or titles the filter applies to; empty means "all rules of the logsource". */
  rules: string[];
  /** Compiled filter condition over a record; true means "keep the match". */
  keep(record: CloudTrailRecord, plain?: boolean, memo?: IdentityMemo): boolean;
  /** The fields `keep` reads (a filtered rule reads its own fields and these). */
  reads: FieldReads;
}

/** Everything loaded from rule paths. Invalid documents are diagnostics; the valid ones still load. */
export interface RuleBundle {
  rules: CompiledRule[];
  correlations: CorrelationRuleModel[];
  filters: FilterRuleModel[];
  diagnostics: Diagnostic[];
}

/** Options for loading rules. */
export interface LoadOptions {
  /** Values for `|expand` placeholders, e.g. `{ admin_roles: ['arn:…'] }` for `%admin_roles%`. */
  placeholders?: Record<string, string[]>;
}
