/**
 * A rule's detection compiled into JavaScript of its own (the Function constructor), once per
 * rule: the condition as `&&`, `||` and `!` over its selections, each selection as the OR of its
 * alternatives' ANDs, and each plain item (CompiledItem.leaf) as its field read inline with the
 * leaf test called directly.
 *
 * Why: evaluated through shared closures (one AND loop, one selection loop, one field walker for
 * every rule), every call is megamorphic: V8 sees all rules' functions at the same call sites,
 * inlines nothing and pays a generic call per step, which made rule evaluation a third of the
 * analyzer's time. Code of the rule's own gives each call site one target.
 *
 * Nothing from a rule enters the source as code: field names only as JSON string literals
 * (field-path.ts readerSource), everything else (leaf tests, other items' matchers) as values in
 * arrays indexed by generated numbers; names of functions are generated, not taken from the rule.
 */
import { resolveOfPattern, type ConditionNode } from './condition';
import type { CompiledItem, CompiledSelection } from './detection-item';
import { readerSource, visitLeaves } from './field-path';
import { MEMO_KEY, nextMemoSlot, type CloudTrailRecord, type IdentityMemo } from '../core';

type Predicate = (record: CloudTrailRecord) => boolean;
/** A rule's predicate; `plain` and `memo` as in CompiledRule.match. */
export type RulePredicate = (record: CloudTrailRecord, plain?: boolean, memo?: IdentityMemo) => boolean;
type LeafTest = (text: string) => boolean;
type RuleFactory = (
  hasOwn: (this: unknown, key: PropertyKey) => boolean,
  visit: typeof visitLeaves,
  leaves: LeafTest[],
  matchers: Predicate[],
) => RulePredicate;

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The rule's predicate: true when any of the conditions holds. `conditions` are already checked
 * (compileCondition): an identifier without a selection is false, as there.
 */
export function compileRuleCode(
  conditions: readonly ConditionNode[],
  identifiers: string[],
  selections: ReadonlyMap<string, CompiledSelection>,
  memoSlots: ReadonlyMap<CompiledItem, number>,
): RulePredicate {
  const lines: string[] = ['"use strict";'];
  const leaves: LeafTest[] = [];
  const matchers: Predicate[] = [];
  const selectionFunctions = new Map<string, string>();
  let items = 0;

  const itemCode = (item: CompiledItem): string => {
    const k = items++;
    let read: string;
    if (item.leaf === undefined) {
      matchers.push(item.match);
      lines.push(`const m${k} = M[${matchers.length - 1}];`);
      read = `m${k}(r)`;
    } else {
      leaves.push(item.leaf);
      lines.push(
        `const t${k} = L[${leaves.length - 1}];`,
        `function v${k}(value) { return typeof value === 'string' ? t${k}(value) : visitLeaves(value, t${k}); }`,
      );
      read = `v${k}(r)`; // keywords: the whole record
      if (item.field !== undefined) {
        lines.push(...readerSource(item.field.split('.'), `f${k}_`, `v${k}`));
        read = `f${k}_0(r, 0, p)`;
      }
    }
    const slot = memoSlots.get(item);
    if (slot !== undefined) {
      // The read's verdict, remembered in the userIdentity value's memo (core/identity-memo.ts).
      lines.push(
        `function c${k}(r, p, mm) {`,
        `  if (mm === undefined) return ${read};`,
        // A slot beyond a memo made before it was taken reads undefined; writing it does nothing.
        `  const known = mm[${slot}];`,
        '  if (known === 1) return true;',
        '  if (known === 2) return false;',
        `  const verdict = ${read};`,
        `  mm[${slot}] = verdict ? 1 : 2;`,
        '  return verdict;',
        '}',
      );
      read = `c${k}(r, p, mm)`;
    }
    // A matcher (M) negates itself; a leaf read is negated here.
    return item.leaf !== undefined && item.negate ? `!${read}` : read;
  };

  const selectionCall = (name: string): string => {
    const selection = selections.get(name);
    if (!selection) return 'false';
    let fn = selectionFunctions.get(name);
    if (!fn) {
      fn = `s${selectionFunctions.size}`;
      selectionFunctions.set(name, fn);
      const alternatives = selection.alternatives.map((alternative) =>
        alternative.length === 0 ? 'true' : `(${alternative.map(itemCode).join(' && ')})`,
      );
      lines.push(
        `function ${fn}(r, p, mm) { return ${alternatives.length === 0 ? 'false' : alternatives.join(' || ')}; }`,
      );
    }
    return `${fn}(r, p, mm)`;
  };

  const expression = (node: ConditionNode): string => {
    switch (node.kind) {
      case 'id':
        return selectionCall(node.name);
      case 'not':
        return `!(${expression(node.child)})`;
      case 'and':
        return `(${node.children.map(expression).join(' && ')})`;
      case 'or':
        return `(${node.children.map(expression).join(' || ')})`;
      case 'of': {
        const names = resolveOfPattern(node.pattern, identifiers);
        if (names.length === 0) return 'false';
        return `(${names.map(selectionCall).join(node.quantifier === 'all' ? ' && ' : ' || ')})`;
      }
    }
  };

  const body = conditions.length === 0 ? 'false' : conditions.map(expression).join(' || ');
  lines.push(`return function match(r, p, mm) { return ${body}; };`);
  const factory = new Function('hasOwn', 'visitLeaves', 'L', 'M', lines.join('\n')) as RuleFactory;
  return factory(hasOwn, visitLeaves, leaves, matchers);
}

/**
 * A memo slot for each item that reads only the userIdentity value (while slots last). Taken when
 * the rule is compiled, before its code is generated on first use: a memo holds the slots taken
 * before it was made (core/identity-memo.ts), and memos are made from the first record on.
 */
export function takeMemoSlots(selections: ReadonlyMap<string, CompiledSelection>): Map<CompiledItem, number> {
  const slots = new Map<CompiledItem, number>();
  for (const selection of selections.values())
    for (const items of selection.alternatives)
      for (const item of items) {
        if (!readsOnlyMemoKey(item)) continue;
        const slot = nextMemoSlot();
        if (slot !== undefined) slots.set(item, slot);
      }
  return slots;
}

/**
 * Whether the item's verdict depends on the userIdentity value alone: a field under it (never a
 * keyword, which reads the whole record), compared with constants (not `fieldref`, which reads a
 * second field). Only records without dotted keys get a memo, so the field means that value.
 */
function readsOnlyMemoKey(item: CompiledItem): boolean {
  const field = item.field;
  return (
    field !== undefined &&
    (field === MEMO_KEY || field.startsWith(`${MEMO_KEY}.`)) &&
    !item.modifiers.includes('fieldref')
  );
}
