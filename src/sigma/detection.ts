/**
 * Compiles a rule's `detection` section (search identifiers + condition) into one predicate,
 * an explainer, and the dispatch facts the rule index uses. Problems are reported with the
 * path inside the document (`detection.selection.eventName|contains`) and the line.
 */
import { isProblem, type CloudTrailRecord, type IdentityMemo, type Problem, type Severity } from '../core';
import type { IdentityGate, SelectionExplanation } from './model';
import {
  compileItem,
  ItemError,
  type CompiledItem,
  type CompiledSelection,
  type ItemContext,
  type ItemValue,
} from './detection-item';
import {
  ConditionError,
  LEGACY_AGGREGATION_MESSAGE,
  parseCondition,
  resolveOfPattern,
  type ConditionNode,
} from './condition';
import { identityGateOf } from './identity-gate';
import { compileRuleCode, takeMemoSlots, type RulePredicate } from './rule-code';
import type { SourceEntry, SourceNode } from './yaml-documents';

export type { CompiledSelection };

export interface CompiledDetection {
  conditionText: string[];
  conditions: ConditionNode[];
  selections: Map<string, CompiledSelection>;
  /** The detection's verdict (generated code, rule-code.ts); `plain` and `memo` as in CompiledRule.match. */
  match(record: CloudTrailRecord, plain?: boolean, memo?: IdentityMemo): boolean;
  /** The same verdict from the compiled closures (explanations use it; tests compare the two). */
  interpreted(record: CloudTrailRecord): boolean;
  explainSelections(record: CloudTrailRecord): SelectionExplanation[];
  /** The memo verdicts that rule a match out (identity-gate.ts); undefined when none do. */
  identityGate: IdentityGate | undefined;
}

export interface DetectionProblem {
  severity: Severity;
  path: string;
  line?: number;
  message: string;
}

/** Keys of a detection (or filter) section that are not search identifiers. */
const RESERVED = new Set(['condition', 'timeframe', 'rules']);

/**
 * Compiles the detection map. `prefix` is the section name used in paths (`detection` or
 * `filter`). Returns undefined when any error was reported.
 */
export function compileDetection(
  section: SourceNode,
  prefix: string,
  placeholders: Record<string, string[]>,
  problems: DetectionProblem[],
): CompiledDetection | undefined {
  const before = problems.filter((p) => p.severity === 'error').length;
  const errorCount = () => problems.filter((p) => p.severity === 'error').length - before;
  if (section.kind !== 'map') {
    problems.push({
      severity: 'error',
      path: prefix,
      line: section.line,
      message: 'expected a map of search identifiers and a condition',
    });
    return undefined;
  }
  const timeframe = section.entries.find((e) => e.key === 'timeframe');
  if (timeframe && prefix === 'detection')
    problems.push({
      severity: 'error',
      path: `${prefix}.timeframe`,
      line: timeframe.keyLine,
      message: LEGACY_AGGREGATION_MESSAGE,
    });
  const selections = new Map<string, CompiledSelection>();
  for (const entry of section.entries) {
    if (RESERVED.has(entry.key)) continue;
    const selection = compileSelection(entry, `${prefix}.${entry.key}`, placeholders, problems);
    if (selection) selections.set(entry.key, selection);
  }
  const conditionEntry = section.entries.find((e) => e.key === 'condition');
  const conditionPath = `${prefix}.condition`;
  const conditionText: string[] = [];
  if (!conditionEntry) {
    problems.push({
      severity: 'error',
      path: conditionPath,
      line: section.line,
      message: 'missing condition',
    });
  } else if (conditionEntry.value.kind === 'scalar' && typeof conditionEntry.value.value === 'string') {
    conditionText.push(conditionEntry.value.value);
  } else if (conditionEntry.value.kind === 'seq') {
    conditionEntry.value.items.forEach((item, i) => {
      if (item.kind === 'scalar' && typeof item.value === 'string') conditionText.push(item.value);
      else
        problems.push({
          severity: 'error',
          path: `${conditionPath}[${i}]`,
          line: item.line,
          message: 'expected a condition text',
        });
    });
    if (conditionEntry.value.items.length === 0)
      problems.push({
        severity: 'error',
        path: conditionPath,
        line: conditionEntry.keyLine,
        message: 'empty condition list',
      });
  } else {
    problems.push({
      severity: 'error',
      path: conditionPath,
      line: conditionEntry.keyLine,
      message: 'expected a condition text or a list of them',
    });
  }
  const identifiers = section.entries.filter((e) => !RESERVED.has(e.key)).map((e) => e.key);
  const conditions: ConditionNode[] = [];
  const evaluators: Array<(record: CloudTrailRecord) => boolean> = [];
  conditionText.forEach((text, i) => {
    const path = conditionText.length > 1 ? `${conditionPath}[${i}]` : conditionPath;
    const line =
      conditionEntry?.value.kind === 'seq' ? conditionEntry.value.items[i]?.line : conditionEntry?.keyLine;
    try {
      const node = parseCondition(text);
      conditions.push(node);
      const evaluator = compileCondition(node, identifiers, selections, (message, severity = 'error') =>
        problems.push({ severity, path, line, message }),
      );
      if (evaluator) evaluators.push(evaluator);
    } catch (error) {
      if (!(error instanceof ConditionError)) throw error;
      // A long condition is shown by its start: the path and line say where the rest is.
      const shown = text.length > 120 ? `${text.slice(0, 120)}…` : text;
      problems.push({ severity: 'error', path, line, message: `condition '${shown}': ${error.message}` });
    }
  });
  if (errorCount() > 0 || evaluators.length === 0) return undefined;
  // The closures check the condition and evaluate it for explanations; the rule itself runs as
  // code of its own (rule-code.ts). Tests hold the two to the same verdicts.
  const interpreted =
    evaluators.length === 1
      ? evaluators[0]
      : (record: CloudTrailRecord) => {
          for (const e of evaluators) if (e(record)) return true;
          return false;
        };
  // Generated on first use: a run generates code only for the rules its records reach.
  const memoSlots = takeMemoSlots(selections);
  let generated: RulePredicate | undefined;
  return {
    conditionText,
    conditions,
    selections,
    get match() {
      return (generated ??= compileRuleCode(conditions, identifiers, selections, memoSlots));
    },
    interpreted,
    identityGate: identityGateOf(conditions, identifiers, selections, memoSlots),
    explainSelections: (record) =>
      [...selections.values()].map((s) => ({
        name: s.name,
        matched: s.match(record),
        alternatives: s.alternatives.map((items) => items.map((item) => item.explain(record))),
      })),
  };
}

function compileSelection(
  entry: SourceEntry,
  path: string,
  placeholders: Record<string, string[]>,
  problems: DetectionProblem[],
): CompiledSelection | undefined {
  const node = entry.value;
  let failed = false;
  const itemContext = (itemPath: string, line: number): ItemContext => ({
    placeholders,
    report: (severity, message, at) => {
      if (severity === 'error') failed = true;
      problems.push({ severity, path: itemPath, line: at ?? line, message });
    },
  });
  const compileOne = (
    field: string | undefined,
    modifiers: string[],
    valueNode: SourceNode,
    itemPath: string,
    line: number,
  ): CompiledItem | undefined => {
    const values = valuesOf(valueNode);
    if (isProblem(values)) {
      failed = true;
      problems.push({ severity: 'error', path: itemPath, line, message: values.problem });
      return undefined;
    }
    try {
      return compileItem(field, modifiers, values, itemContext(itemPath, line));
    } catch (error) {
      if (!(error instanceof ItemError)) throw error;
      failed = true;
      problems.push({ severity: 'error', path: itemPath, line: error.line ?? line, message: error.message });
      return undefined;
    }
  };
  const compileMap = (map: SourceNode & { kind: 'map' }, mapPath: string): CompiledItem[] => {
    if (map.entries.length === 0) {
      failed = true;
      problems.push({ severity: 'error', path: mapPath, line: map.line, message: 'empty selection map' });
    }
    const items: CompiledItem[] = [];
    for (const e of map.entries) {
      const [field, ...modifiers] = e.key.split('|');
      const item = compileOne(
        field === '' ? undefined : field,
        modifiers,
        e.value,
        `${mapPath}.${e.key}`,
        e.keyLine,
      );
      if (item) items.push(item);
    }
    return items;
  };
  let alternatives: CompiledItem[][] = [];
  if (node.kind === 'map') {
    alternatives = [compileMap(node, path)];
  } else if (node.kind === 'seq') {
    if (node.items.length === 0) {
      failed = true;
      problems.push({ severity: 'error', path, line: entry.keyLine, message: 'empty list' });
    } else if (node.items.every((i) => i.kind === 'map')) {
      alternatives = node.items.map((i, n) => compileMap(i as SourceNode & { kind: 'map' }, `${path}[${n}]`));
    } else if (node.items.every((i) => i.kind === 'scalar')) {
      const item = compileOne(undefined, [], node, path, entry.keyLine);
      if (item) alternatives = [[item]];
    } else {
      failed = true;
      problems.push({
        severity: 'error',
        path,
        line: entry.keyLine,
        message: 'a list must hold either only maps (alternatives) or only keywords',
      });
    }
  } else if (typeof node.value === 'string' || node.isNumber) {
    const item = compileOne(undefined, [], node, path, entry.keyLine);
    if (item) alternatives = [[item]];
  } else {
    failed = true;
    problems.push({
      severity: 'error',
      path,
      line: entry.keyLine,
      message: 'expected a map of fields, a list of maps, or keywords',
    });
  }
  if (failed) return undefined;
  const alts = alternatives.map((items) => items.map((i) => i.match));
  const match =
    alts.length === 1 && alts[0].length === 1
      ? alts[0][0]
      : (record: CloudTrailRecord): boolean => {
          outer: for (const items of alts) {
            for (const m of items) if (!m(record)) continue outer;
            return true;
          }
          return false;
        };
  return { name: entry.key, alternatives, match };
}

/** The values of an item: one scalar or a list of scalars; anything else is a problem. */
function valuesOf(node: SourceNode): ItemValue[] | Problem {
  if (node.kind === 'scalar') return [{ value: node.value, line: node.line }];
  if (node.kind === 'seq') {
    const out: ItemValue[] = [];
    for (const item of node.items) {
      if (item.kind !== 'scalar')
        return { problem: 'expected a value or a list of values (found a nested map or list)' };
      out.push({ value: item.value, line: item.line });
    }
    return out;
  }
  return { problem: 'expected a value or a list of values, found a map' };
}

function compileCondition(
  node: ConditionNode,
  identifiers: string[],
  selections: Map<string, CompiledSelection>,
  report: (message: string, severity?: 'error' | 'warning') => void,
): ((record: CloudTrailRecord) => boolean) | undefined {
  let ok = true;
  const build = (n: ConditionNode): ((record: CloudTrailRecord) => boolean) => {
    switch (n.kind) {
      case 'id': {
        if (!identifiers.includes(n.name)) {
          ok = false;
          report(`condition names '${n.name}', which is not a search identifier of this rule`);
        }
        const selection = selections.get(n.name);
        return selection ? selection.match : () => false;
      }
      case 'not': {
        const child = build(n.child);
        return (record) => !child(record);
      }
      case 'and': {
        const children = n.children.map(build);
        return (record) => {
          for (const c of children) if (!c(record)) return false;
          return true;
        };
      }
      case 'or': {
        const children = n.children.map(build);
        return (record) => {
          for (const c of children) if (c(record)) return true;
          return false;
        };
      }
      case 'of': {
        const names = resolveOfPattern(n.pattern, identifiers);
        if (names.length === 0) {
          report(
            `'${n.quantifier} of ${n.pattern}' names no search identifier, so it is always false`,
            'warning',
          );
          return () => false;
        }
        const children = names.map((name) => selections.get(name)?.match ?? (() => false));
        return n.quantifier === 'all'
          ? (record) => children.every((c) => c(record))
          : (record) => children.some((c) => c(record));
      }
    }
  };
  const evaluator = build(node);
  return ok ? evaluator : undefined;
}
