/**
 * The `|re` patterns of a rule tree, with their field and flags: what scripts/bench-regex.ts
 * measures and test/perf/differential.test.ts compares engines on.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { listRuleFiles } from '../src/sigma';

export interface RulePattern {
  file: string;
  /** The field the pattern tests, undefined for a keyword. */
  field?: string;
  source: string;
  flags: string;
}

export function rulePatterns(paths: string[]): RulePattern[] {
  const found: RulePattern[] = [];
  for (const file of listRuleFiles(paths, [])) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (doc.errors.length > 0) continue;
      const detection = (doc.toJS() as { detection?: unknown } | null)?.detection;
      visit(detection, (key, value) => {
        const [field, ...modifiers] = key.split('|');
        if (!modifiers.includes('re')) return;
        const flags = ['i', 'm', 's'].filter((f) => modifiers.includes(f)).join('');
        for (const source of [value].flat())
          if (typeof source === 'string') found.push({ file, field: field || undefined, source, flags });
      });
    }
  }
  return found;
}

function visit(node: unknown, onEntry: (key: string, value: unknown) => void): void {
  if (Array.isArray(node)) node.forEach((n) => visit(n, onEntry));
  else if (node && typeof node === 'object')
    for (const [key, value] of Object.entries(node)) {
      onEntry(key, value);
      visit(value, onEntry);
    }
}
