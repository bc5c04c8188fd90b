/**
 * Derives from a compiled detection the eventName / eventSource values a record must have for
 * the rule to possibly match (DispatchKeys). Sound by construction: a constraint is only taken
 * from positive items on every OR branch; `not`, keywords and unconstrained branches drop it.
 */
import type { ConditionNode } from './condition';
import { resolveOfPattern } from './condition';
import type { CompiledDetection, CompiledSelection } from './detection';
import type { DispatchKeys } from './model';

/** Required values for one field; undefined = unconstrained. */
type Constraint = { exact: Set<string>; patterns: Set<string> } | undefined;

function union(a: Constraint, b: Constraint): Constraint {
  if (!a || !b) return undefined;
  return { exact: new Set([...a.exact, ...b.exact]), patterns: new Set([...a.patterns, ...b.patterns]) };
}

/** AND: any one constrained child is a valid necessary condition; prefer exact-only ones. */
function pickAnd(children: Constraint[]): Constraint {
  const constrained = children.filter((c): c is NonNullable<Constraint> => c !== undefined);
  if (constrained.length === 0) return undefined;
  const exactOnly = constrained.filter((c) => c.patterns.size === 0);
  const pool = exactOnly.length > 0 ? exactOnly : constrained;
  return pool.reduce((best, c) =>
    c.exact.size + c.patterns.size < best.exact.size + best.patterns.size ? c : best,
  );
}

function selectionConstraint(selection: CompiledSelection, field: string): Constraint {
  let result: Constraint = { exact: new Set(), patterns: new Set() };
  for (const items of selection.alternatives) {
    const fromItems = items
      .filter((i) => i.dispatch?.field === field)
      .map((i) => ({ exact: new Set(i.dispatch!.exact), patterns: new Set(i.dispatch!.patterns) }));
    result = union(result, pickAnd(fromItems));
    if (!result) return undefined;
  }
  return result;
}

function nodeConstraint(
  node: ConditionNode,
  detection: CompiledDetection,
  field: string,
  names: string[],
): Constraint {
  switch (node.kind) {
    case 'id': {
      const selection = detection.selections.get(node.name);
      return selection ? selectionConstraint(selection, field) : undefined;
    }
    case 'not':
      return undefined;
    case 'and':
      return pickAnd(node.children.map((c) => nodeConstraint(c, detection, field, names)));
    case 'or':
      return node.children
        .map((c) => nodeConstraint(c, detection, field, names))
        .reduce<Constraint>((acc, c) => union(acc, c), { exact: new Set(), patterns: new Set() });
    case 'of': {
      const selected = resolveOfPattern(node.pattern, names);
      const constraints = selected.map((name) => {
        const s = detection.selections.get(name);
        return s ? selectionConstraint(s, field) : undefined;
      });
      if (node.quantifier === 'all')
        return selected.length === 0 ? { exact: new Set(), patterns: new Set() } : pickAnd(constraints);
      return constraints.reduce<Constraint>((acc, c) => union(acc, c), {
        exact: new Set(),
        patterns: new Set(),
      });
    }
  }
}

export function deriveDispatchKeys(detection: CompiledDetection): DispatchKeys {
  const names = [...detection.selections.keys()];
  const keys: DispatchKeys = {};
  for (const field of ['eventName', 'eventSource'] as const) {
    const constraint = detection.conditions
      .map((c) => nodeConstraint(c, detection, field, names))
      .reduce<Constraint>((acc, c) => union(acc, c), { exact: new Set(), patterns: new Set() });
    if (!constraint) continue;
    keys[field] = [...constraint.exact].sort();
    if (constraint.patterns.size > 0)
      keys[field === 'eventName' ? 'eventNamePatterns' : 'eventSourcePatterns'] = [
        ...constraint.patterns,
      ].sort();
  }
  return keys;
}
