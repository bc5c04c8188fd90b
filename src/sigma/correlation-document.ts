/**
 * Parses and validates a Sigma correlation document (`correlation:` section) into a
 * CorrelationRuleModel. Evaluation lives in alerts/correlate/ (the processor side).
 */
import {
  CORRELATION_TYPES,
  type CorrelationCondition,
  type CorrelationRuleModel,
  type CorrelationType,
  type RuleMeta,
} from './model';
import type { Report } from './rule-meta';
import { entryOf, type SourceNode } from './yaml-documents';

const TYPES: readonly CorrelationType[] = CORRELATION_TYPES;
const NEEDS_CONDITION: CorrelationType[] = [
  'event_count',
  'value_count',
  'value_sum',
  'value_avg',
  'value_percentile',
];
const NEEDS_FIELD: CorrelationType[] = ['value_count', 'value_sum', 'value_avg', 'value_percentile'];
const OPERATORS = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'] as const;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a timespan like `15m` into milliseconds, or undefined. */
export function parseTimespan(text: string): number | undefined {
  const m = /^(\d{1,9})([smhd])$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2]];
  return ms > 0 ? ms : undefined;
}

function scalarText(node: SourceNode | undefined): string | undefined {
  return node && node.kind === 'scalar' && node.value !== null ? String(node.value) : undefined;
}

export function parseCorrelation(
  root: SourceNode,
  meta: RuleMeta,
  report: Report,
): CorrelationRuleModel | undefined {
  const entry = entryOf(root, 'correlation')!;
  const section = entry.value;
  let ok = true;
  const error = (path: string, line: number | undefined, message: string) => {
    ok = false;
    report({ severity: 'error', path: `correlation.${path}`, line: line ?? entry.keyLine, message });
  };
  if (section.kind !== 'map') {
    error('', entry.keyLine, 'expected a map with type, rules, timespan …');
    return undefined;
  }
  const typeEntry = entryOf(section, 'type');
  const type = scalarText(typeEntry?.value) as CorrelationType | undefined;
  if (!type || !TYPES.includes(type))
    error(
      'type',
      typeEntry?.keyLine,
      `type must be one of ${TYPES.join(', ')}${type ? `, got '${type}'` : ''}`,
    );
  const rulesEntry = entryOf(section, 'rules');
  let rules: string[] = [];
  if (rulesEntry?.value.kind === 'scalar' && rulesEntry.value.value !== null)
    rules = [String(rulesEntry.value.value)];
  else if (
    rulesEntry?.value.kind === 'seq' &&
    rulesEntry.value.items.every((i) => i.kind === 'scalar' && i.value !== null)
  )
    rules = rulesEntry.value.items.map((i) => String(scalarText(i)));
  if (rules.length === 0)
    error('rules', rulesEntry?.keyLine, 'rules must name at least one rule (by name or id)');
  const groupEntry = entryOf(section, 'group-by');
  let groupBy: string[] = [];
  if (groupEntry) {
    if (
      groupEntry.value.kind === 'seq' &&
      groupEntry.value.items.every((i) => i.kind === 'scalar' && i.value !== null)
    )
      groupBy = groupEntry.value.items.map((i) => String(scalarText(i)));
    else if (groupEntry.value.kind === 'scalar' && groupEntry.value.value !== null)
      groupBy = [String(groupEntry.value.value)];
    else error('group-by', groupEntry.keyLine, 'group-by must be a list of field names');
  }
  const spanEntry = entryOf(section, 'timespan');
  const timespan = scalarText(spanEntry?.value) ?? '';
  const timespanMs = parseTimespan(timespan);
  if (timespanMs === undefined)
    error(
      'timespan',
      spanEntry?.keyLine,
      `timespan must be a number and a unit s, m, h or d (e.g. 15m)${timespan ? `, got '${timespan}'` : ''}`,
    );
  let condition: CorrelationCondition | undefined;
  const condEntry = entryOf(section, 'condition');
  if (condEntry) {
    if (condEntry.value.kind !== 'map')
      error('condition', condEntry.keyLine, 'condition must be a map like { gte: 10 }');
    else {
      condition = {};
      for (const e of condEntry.value.entries) {
        const value = scalarText(e.value);
        if ((OPERATORS as readonly string[]).includes(e.key) || e.key === 'percentile') {
          const n = value === undefined ? NaN : Number(value);
          if (!Number.isFinite(n))
            error(`condition.${e.key}`, e.keyLine, `expected a number, got '${value ?? ''}'`);
          else (condition as Record<string, number>)[e.key] = n;
        } else if (e.key === 'field') {
          if (!value) error('condition.field', e.keyLine, 'field must name an event field');
          else condition.field = value;
        } else {
          error(
            `condition.${e.key}`,
            e.keyLine,
            `unknown condition key '${e.key}' (expected ${OPERATORS.join(', ')}, field)`,
          );
        }
      }
      if (!OPERATORS.some((op) => condition![op] !== undefined))
        error('condition', condEntry.keyLine, `condition needs one of ${OPERATORS.join(', ')}`);
    }
  }
  if (type && NEEDS_CONDITION.includes(type) && !condEntry)
    error('condition', entry.keyLine, `a ${type} correlation needs a condition`);
  if (type && NEEDS_FIELD.includes(type) && condition && !condition.field)
    error('condition.field', condEntry?.keyLine, `a ${type} correlation needs condition.field`);
  if ((type === 'temporal' || type === 'temporal_ordered') && rules.length < 2)
    report({
      severity: 'warning',
      path: 'correlation.rules',
      line: rulesEntry?.keyLine,
      message: `a ${type} correlation usually names at least two rules`,
    });
  const aliases: Record<string, Record<string, string>> = {};
  const aliasEntry = entryOf(section, 'aliases');
  if (aliasEntry) {
    if (aliasEntry.value.kind !== 'map')
      error('aliases', aliasEntry.keyLine, 'aliases must be a map alias -> (rule name -> field)');
    else
      for (const alias of aliasEntry.value.entries) {
        if (alias.value.kind !== 'map') {
          error(`aliases.${alias.key}`, alias.keyLine, 'expected a map of rule name -> field');
          continue;
        }
        aliases[alias.key] = {};
        for (const m of alias.value.entries) {
          const field = scalarText(m.value);
          if (!field) error(`aliases.${alias.key}.${m.key}`, m.keyLine, 'expected a field name');
          else aliases[alias.key][m.key] = field;
        }
      }
  }
  const generateNode = entryOf(section, 'generate')?.value ?? entryOf(root, 'generate')?.value;
  const generate =
    generateNode?.kind === 'scalar' && (generateNode.value === true || generateNode.value === 'true');
  if (!ok || !type || timespanMs === undefined) return undefined;
  return { meta, type, rules, groupBy, timespanMs, timespan, condition, aliases, generate };
}
