/**
 * Loads rule files and directories (recursively, *.yml / *.yaml) into one RuleBundle, then runs
 * the checks that span files: duplicate ids and correlations naming rules that are not loaded.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import type { Diagnostic } from '../core';
import type { LoadOptions, RuleBundle, RuleMeta } from './model';
import { foldDialectNotices } from './logsource-notices';
import { parseRules } from './parse';

const RULE_FILE = /\.ya?ml$/i;

/** Lists the rule files under the given paths (sorted, deterministic). */
export function listRuleFiles(paths: string[], diagnostics: Diagnostic[]): string[] {
  const files: string[] = [];
  const walk = (path: string, depth: number) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      diagnostics.push({ severity: 'error', file: path, message: 'no such file or directory' });
      return;
    }
    if (stat.isDirectory()) {
      if (depth > 32) return;
      for (const name of readdirSync(path).sort()) {
        if (name.startsWith('.') || name === 'node_modules') continue;
        const child = join(path, name);
        let childStat;
        try {
          childStat = statSync(child);
        } catch {
          continue;
        }
        if (childStat.isDirectory()) walk(child, depth + 1);
        else if (RULE_FILE.test(name)) files.push(child);
      }
    } else {
      files.push(path);
    }
  };
  for (const p of paths) walk(p, 0);
  return files;
}

function displayPath(file: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

export function loadRules(paths: string[], options: LoadOptions = {}): RuleBundle {
  const bundle: RuleBundle = { rules: [], correlations: [], filters: [], diagnostics: [] };
  for (const file of listRuleFiles(paths, bundle.diagnostics)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      bundle.diagnostics.push({
        severity: 'error',
        file: displayPath(file),
        message: `cannot read: ${(error as Error).message}`,
      });
      continue;
    }
    const one = parseRules(text, displayPath(file), options);
    bundle.rules.push(...one.rules);
    bundle.correlations.push(...one.correlations);
    bundle.filters.push(...one.filters);
    bundle.diagnostics.push(...one.diagnostics);
  }
  bundle.diagnostics = foldDialectNotices(bundle.diagnostics);
  checkBundle(bundle);
  return bundle;
}

/** Cross-document checks: duplicate ids, correlations and filters naming unknown rules. */
export function checkBundle(bundle: RuleBundle): void {
  const seen = new Map<string, RuleMeta>();
  for (const m of [...bundle.rules, ...bundle.correlations, ...bundle.filters].map((r) => r.meta)) {
    const first = seen.get(m.id);
    if (first) {
      // Both still alert: their alert ids and grouping keys then include the file (alerts/rule-identity.ts).
      first.sharesId = true;
      m.sharesId = true;
      bundle.diagnostics.push({
        severity: 'warning',
        file: m.file,
        line: m.line,
        path: 'id',
        ruleId: m.id,
        ruleTitle: m.title,
        message: `duplicate id ${m.id} (also at ${first.file}:${first.line}); expected one id per rule (both rules still alert)`,
      });
    } else seen.set(m.id, m);
  }
  // A correlation names its rules by id or name (as the engine looks them up), never by title.
  const known = new Set<string>();
  const byTitle = new Map<string, RuleMeta>();
  for (const m of [...bundle.rules, ...bundle.correlations].map((r) => r.meta)) {
    known.add(m.id);
    if (m.name) known.add(m.name);
    if (!byTitle.has(m.title)) byTitle.set(m.title, m);
  }
  for (const c of bundle.correlations) {
    for (const ref of c.rules) {
      if (known.has(ref)) continue;
      const titled = byTitle.get(ref);
      bundle.diagnostics.push({
        severity: 'warning',
        file: c.meta.file,
        line: c.meta.line,
        path: 'correlation.rules',
        ruleId: c.meta.id,
        ruleTitle: c.meta.title,
        message: titled
          ? `refers to rule '${ref}' by its title, so it never fires; expected the rule's id or name (${titled.name ? `name: ${titled.name}, ` : ''}id: ${titled.id})`
          : `refers to rule '${ref}', which is not loaded`,
      });
    }
  }
}
