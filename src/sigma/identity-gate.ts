/**
 * A rule's identity gate: the remembered userIdentity verdicts (core/identity-memo.ts) that rule
 * out a match without running the rule. Rules that run on every record, such as `userIdentity.type:
 * Root` or `…ec2RoleDelivery|exists: true`, are false for nearly every record, and what decides it
 * is already in the memo; the analyzer skips them with one byte read instead of a call.
 *
 * Sound by construction, as dispatch.ts: an item is taken only when the condition cannot hold
 * without it (an AND over it, every alternative and every condition requiring it); `not` and
 * `1 of` over several selections take nothing.
 */
import type { IdentityMemo } from '../core';
import type { ConditionNode } from './condition';
import { resolveOfPattern } from './condition';
import type { CompiledItem, CompiledSelection } from './detection-item';
import type { IdentityGate } from './model';

/** Whether the memo rules the match out. A slot beyond the memo's end reads undefined: not known. */
export function gateCloses(gate: IdentityGate, memo: IdentityMemo): boolean {
  for (let i = 0; i < gate.length; i++) {
    const entry = gate[i];
    if (memo[entry >> 2] === (entry & 3)) return true;
  }
  return false;
}

/** The gate of a detection whose memo items hold `memoSlots`; undefined when nothing gates it. */
export function identityGateOf(
  conditions: readonly ConditionNode[],
  identifiers: readonly string[],
  selections: ReadonlyMap<string, CompiledSelection>,
  memoSlots: ReadonlyMap<CompiledItem, number>,
): IdentityGate | undefined {
  if (memoSlots.size === 0 || conditions.length === 0) return undefined;
  const ofSelection = (name: string): Set<CompiledItem> => {
    const selection = selections.get(name);
    // A missing selection is always false; taking nothing from it is still sound.
    if (!selection || selection.alternatives.length === 0) return new Set();
    return intersection(
      selection.alternatives.map((items) => new Set(items.filter((i) => memoSlots.has(i)))),
    );
  };
  const required = (node: ConditionNode): Set<CompiledItem> => {
    switch (node.kind) {
      case 'id':
        return ofSelection(node.name);
      case 'not':
        return new Set();
      case 'and':
        return union(node.children.map(required));
      case 'or':
        return intersection(node.children.map(required));
      case 'of': {
        const names = resolveOfPattern(node.pattern, [...identifiers]);
        if (names.length === 0) return new Set();
        const each = names.map(ofSelection);
        return node.quantifier === 'all' ? union(each) : intersection(each);
      }
    }
  };
  const items = intersection(conditions.map(required));
  if (items.size === 0) return undefined;
  // A leaf read negated by `neq` must be false for the item to hold; anything else true.
  return [...items].map(
    (item) => memoSlots.get(item)! * 4 + (item.leaf !== undefined && item.negate ? 1 : 2),
  );
}

function union(sets: Set<CompiledItem>[]): Set<CompiledItem> {
  const out = new Set<CompiledItem>();
  for (const s of sets) for (const item of s) out.add(item);
  return out;
}

function intersection(sets: Set<CompiledItem>[]): Set<CompiledItem> {
  if (sets.length === 0) return new Set();
  const [first, ...rest] = sets;
  return new Set([...first].filter((item) => rest.every((s) => s.has(item))));
}
