/**
 * Derives from a compiled detection the eventName / eventSource values a record must have for
 * the rule to possibly match (DispatchKeys). Sound by construction: a constraint is only taken
 * from positive items on every OR branch; `not`, keywords and unconstrained branches drop it.
 */
import type { ConditionNode } from './condition';
import { resolveOfPattern } from './condition';
import type { CompiledDetection, CompiledSelection } from './detection';
import type { RequiredLiterals } from './detection-item';
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
  const literals = deriveRequiredLiterals(detection);
  if (literals && literals.lower.length + literals.exact.length > 0) literalsByDispatch.set(keys, literals);
  return keys;
}

/** Raw-text requirement of a whole rule (see RequiredLiterals); undefined = none known. */
type Literals = RequiredLiterals | undefined;

function literalUnion(a: Literals, b: Literals): Literals {
  if (!a || !b) return undefined;
  return { lower: [...new Set([...a.lower, ...b.lower])], exact: [...new Set([...a.exact, ...b.exact])] };
}

/** AND: any one constrained child is necessary; prefer the one with the fewest, then longest, texts. */
function literalPick(children: Literals[]): Literals {
  let best: RequiredLiterals | undefined;
  const score = (l: RequiredLiterals) => l.lower.length + l.exact.length;
  const shortest = (l: RequiredLiterals) =>
    Math.min(...l.lower.map((t) => t.length), ...l.exact.map((t) => t.length));
  for (const c of children) {
    if (!c) continue;
    if (!best || score(c) < score(best) || (score(c) === score(best) && shortest(c) > shortest(best)))
      best = c;
  }
  return best;
}

const NONE: RequiredLiterals = { lower: [], exact: [] };

function selectionLiterals(selection: CompiledSelection): Literals {
  let result: Literals = NONE;
  for (const items of selection.alternatives) {
    result = literalUnion(result, literalPick(items.map((i) => i.literals)));
    if (!result) return undefined;
  }
  return result;
}

function nodeLiterals(node: ConditionNode, detection: CompiledDetection, names: string[]): Literals {
  switch (node.kind) {
    case 'id': {
      const selection = detection.selections.get(node.name);
      return selection ? selectionLiterals(selection) : undefined;
    }
    case 'not':
      return undefined;
    case 'and':
      return literalPick(node.children.map((c) => nodeLiterals(c, detection, names)));
    case 'or':
      return node.children
        .map((c) => nodeLiterals(c, detection, names))
        .reduce<Literals>((acc, c) => literalUnion(acc, c), NONE);
    case 'of': {
      const selected = resolveOfPattern(node.pattern, names);
      const literals = selected.map((name) => {
        const s = detection.selections.get(name);
        return s ? selectionLiterals(s) : undefined;
      });
      if (node.quantifier === 'all') return selected.length === 0 ? NONE : literalPick(literals);
      return literals.reduce<Literals>((acc, c) => literalUnion(acc, c), NONE);
    }
  }
}

/**
 * The texts of which a record's JSON must contain one for the detection to possibly match, or
 * undefined when no such requirement is known. Sound by construction like the dispatch keys.
 */
export function deriveRequiredLiterals(detection: CompiledDetection): RequiredLiterals | undefined {
  const names = [...detection.selections.keys()];
  return detection.conditions
    .map((c) => nodeLiterals(c, detection, names))
    .reduce<Literals>((acc, c) => literalUnion(acc, c), NONE);
}

/** Required literals of compiled rules, keyed by the rule's DispatchKeys object (the rule contract has no field for them). */
const literalsByDispatch = new WeakMap<DispatchKeys, RequiredLiterals>();

/** The raw-text requirement registered for a rule's dispatch keys, if any. */
export function requiredLiteralsOf(dispatch: DispatchKeys): RequiredLiterals | undefined {
  return literalsByDispatch.get(dispatch);
}
