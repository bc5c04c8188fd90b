/**
 * How accounts.yaml refers to rules: by id, by title (case-insensitive), by a `*`/`?` wildcard
 * over title or id, by a path glob relative to the rules directory (`sigma/iam/**`), or `*` for
 * every rule. Shared by exceptions, routes, rule sets and the validator.
 */
import { isAbsolute, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { isGuardDutyRuleRef } from '../core';
import type { RuleMeta } from '../sigma';
import { hasWildcard, wildcardMatch } from './wildcard';

/** A rule reference compiled once. */
export type RuleRefMatcher = (rule: RuleMeta) => boolean;

/**
 * The rule's file path relative to the rules directory, with `/` separators. Without a rules root,
 * the part after a `rules/` directory when there is one, else the path as given.
 */
export function ruleRelativePath(file: string, rulesRoot?: string): string {
  const posix = file.split(sep).join('/');
  if (rulesRoot) {
    const rel = relative(rulesRoot, file).split(sep).join('/');
    if (rel && !rel.startsWith('..') && !isAbsolute(rel)) return rel;
  }
  const at = posix.lastIndexOf('rules/');
  if (at === 0 || (at > 0 && posix[at - 1] === '/')) return posix.slice(at + 'rules/'.length);
  return posix.replace(/^\.\//, '');
}

/** Whether a reference looks like a file path glob rather than an id or title. */
export const isPathRef = (ref: string): boolean => ref.includes('/') || /\.ya?ml$/i.test(ref);

/** Compiles a reference: `*`, id, title, name, title/id wildcard, or path glob. */
export function compileRuleRef(ref: string, rulesRoot?: string): RuleRefMatcher {
  const trimmed = ref.trim();
  if (trimmed === '*') return () => true;
  const lower = trimmed.toLowerCase();
  const exact = (rule: RuleMeta) =>
    rule.id === trimmed || rule.title.toLowerCase() === lower || rule.name === trimmed;
  // GuardDuty rule ids hold a `/` (`guardduty:Recon:EC2/…`): they are ids, never paths.
  if (isPathRef(trimmed) && !isGuardDutyRuleRef(trimmed)) {
    let glob: (path: string) => boolean;
    try {
      glob = picomatch(trimmed, { dot: true, nocase: true });
    } catch {
      return exact;
    }
    return (rule) => exact(rule) || glob(ruleRelativePath(rule.file, rulesRoot));
  }
  if (hasWildcard(trimmed)) {
    return (rule) => exact(rule) || wildcardMatch(trimmed, rule.title) || wildcardMatch(trimmed, rule.id);
  }
  return exact;
}
