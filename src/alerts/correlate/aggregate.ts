/**
 * The aggregate of each correlation type over the observations of one window, and the
 * condition test (gt, gte, lt, lte, eq, neq, all given operators joined by AND).
 */
import type { CorrelationCondition, CorrelationRuleModel } from '../../sigma';
import type { CorrelationObservation } from '../state';

const OPERATORS = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'] as const;

/**
 * The number a correlation compares with its condition, for the observations of one window:
 * event_count: events; value_count: distinct values of the field; temporal: distinct rules seen;
 * temporal_ordered: how many of the rules occur in the listed order (greedy, ties allowed);
 * value_sum / value_avg: sum / mean of the field's numeric values; value_percentile: the
 * `percentile`-th (default 50, the median) nearest-rank percentile of those values.
 * NaN when a numeric aggregate has no numeric value.
 */
export function aggregate(correlation: CorrelationRuleModel, window: CorrelationObservation[]): number {
  switch (correlation.type) {
    case 'event_count':
      return window.length;
    case 'value_count':
      return new Set(window.map((o) => o.value).filter((v) => v !== undefined)).size;
    case 'temporal':
      return new Set(window.map((o) => o.ruleIndex)).size;
    case 'temporal_ordered':
      return orderedPrefix(window, correlation.rules.length);
    case 'value_sum':
    case 'value_avg':
    case 'value_percentile': {
      const numbers = numericValues(window);
      if (numbers.length === 0) return NaN;
      if (correlation.type === 'value_sum') return numbers.reduce((a, b) => a + b, 0);
      if (correlation.type === 'value_avg') return numbers.reduce((a, b) => a + b, 0) / numbers.length;
      return percentile(numbers, correlation.condition?.percentile ?? 50);
    }
  }
}

/** Length of the longest prefix of rules 0..n-1 found in time order (equal times count as in order). */
function orderedPrefix(window: CorrelationObservation[], ruleCount: number): number {
  const sorted = [...window].sort((a, b) => a.timeMs - b.timeMs || a.ruleIndex - b.ruleIndex);
  let next = 0;
  for (const o of sorted) {
    if (next < ruleCount && o.ruleIndex === next) next++;
  }
  return next;
}

/** The text of an observation's value when it counts as a number (what value_sum and friends add). */
function numericText(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return Number.isFinite(Number(value)) ? value : undefined;
}

function numericValues(window: CorrelationObservation[]): number[] {
  const out: number[] = [];
  for (const o of window) {
    const text = numericText(o.value);
    if (text !== undefined) out.push(Number(text));
  }
  return out;
}

/**
 * Distinct values listed in a value_count or value_sum hit at most. A window can hold up to
 * `maxObservationsPerWindow` (1000 by default) distinct values; an alert that names 50 of them
 * says what was counted and stays readable (the hit's `value` still gives the full count for
 * value_count, so a reader sees how many were left out).
 */
export const MAX_VALUES_PER_HIT = 50;

/**
 * The distinct values a value_count counted, or the distinct values a value_sum added, in the
 * order they were first seen (event time, then arrival), at most `max` of them. Undefined for
 * the other types. Each value is the text the engine compared (values longer than 1024
 * characters were already clipped when observed).
 */
export function countedValues(
  correlation: CorrelationRuleModel,
  window: CorrelationObservation[],
  max = MAX_VALUES_PER_HIT,
): string[] | undefined {
  if (correlation.type !== 'value_count' && correlation.type !== 'value_sum') return undefined;
  const pick = correlation.type === 'value_sum' ? numericText : (v: string | undefined) => v;
  const ordered = window
    .map((o, index) => ({ o, index }))
    .sort((a, b) => a.o.timeMs - b.o.timeMs || a.index - b.index);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const { o } of ordered) {
    if (out.length >= max) break;
    const value = pick(o.value);
    if (value === undefined || seen.has(value)) continue;
    seen.add(value);
    out.push(value);
  }
  return out;
}

/** Nearest-rank percentile, p in [0, 100]. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const clamped = Math.min(100, Math.max(0, p));
  const rank = Math.max(1, Math.ceil((clamped / 100) * sorted.length));
  return sorted[rank - 1];
}

/** The condition to apply: the rule's, or for temporal types without one, "all rules". */
export function effectiveCondition(correlation: CorrelationRuleModel): CorrelationCondition {
  const given = correlation.condition ?? {};
  if (OPERATORS.some((op) => typeof given[op] === 'number')) return given;
  if (correlation.type === 'temporal' || correlation.type === 'temporal_ordered') {
    return { ...given, gte: correlation.rules.length };
  }
  return { ...given, gte: 1 };
}

/** True when `value` satisfies every operator of the condition. NaN satisfies nothing. */
export function conditionHolds(condition: CorrelationCondition, value: number): boolean {
  if (Number.isNaN(value)) return false;
  let any = false;
  for (const op of OPERATORS) {
    const limit = condition[op];
    if (typeof limit !== 'number') continue;
    any = true;
    const ok =
      op === 'gt'
        ? value > limit
        : op === 'gte'
          ? value >= limit
          : op === 'lt'
            ? value < limit
            : op === 'lte'
              ? value <= limit
              : op === 'eq'
                ? value === limit
                : value !== limit;
    if (!ok) return false;
  }
  return any;
}
