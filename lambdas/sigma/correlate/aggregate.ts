/**
 * The aggregate of each correlation type over the observations of one window, and the
 * condition test (gt, gte, lt, lte, eq, neq, all given operators joined by AND).
 */
import type { CorrelationCondition, CorrelationRuleModel } from '../model';
import type { CorrelationObservation } from '../../alerts/state/store';

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

function numericValues(window: CorrelationObservation[]): number[] {
  const out: number[] = [];
  for (const o of window) {
    if (o.value === undefined || o.value.trim() === '') continue;
    const n = Number(o.value);
    if (Number.isFinite(n)) out.push(n);
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
