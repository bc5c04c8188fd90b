/**
 * `trailalerts migrate`: a TrailAlerts rules folder (sigma_rules/, postprocessing_rules/,
 * exceptions.json) as a repository this project runs natively:
 *   sigma_rules/x.yml, x_tests.json  → rules/sigma/x.yml, x_tests.json (standard Sigma, rule-file.ts)
 *   postprocessing_rules/y.json      → rules/correlations/y.yml (Sigma correlations, correlations.ts)
 *   exceptions.json                  → accounts-exceptions.yaml (an `exceptions:` block, exceptions.ts)
 * plus MIGRATION.md (report.ts). Pure: files in, files out; the command reads and writes them.
 */
import { posix } from 'node:path';
import { isPostProcessingPath } from '../runtime';
import { parseRules, derivedRuleId, type RuleMeta } from '../sigma';
import { migratePostProcessing } from './correlations';
import { migrateExceptions } from './exceptions';
import type { Change, MigrationResult, OutputFile, SourceFile } from './model';
import { migrationReport } from './report';
import { ruleDocuments, rewriteRuleFile } from './rule-file';

const RULE_FILE = /\.ya?ml$/i;
const TEST_FILE = /_tests\.json$/i;

/** Where a rule or test file goes: TrailAlerts' sigma_rules/ becomes rules/sigma/. */
function rulePath(path: string): string {
  return posix.join('rules', path.replace(/^sigma_rules\//, 'sigma/'));
}

export function migrateRepository(files: readonly SourceFile[]): MigrationResult {
  const out: OutputFile[] = [];
  const changes: Change[] = [];
  const counts = { rules: 0, tests: 0, correlations: 0, exceptions: 0 };
  const ruleFiles = files.filter((f) => RULE_FILE.test(f.path)).sort((a, b) => a.path.localeCompare(b.path));

  // Ids repeated across the pack: the first keeps it, the others get one derived from their path.
  const newIds = new Map<string, Map<number, string>>();
  const seen = new Set<string>();
  for (const file of ruleFiles)
    for (const doc of ruleDocuments(file.text) ?? []) {
      if (doc.id === undefined) continue;
      if (!seen.has(doc.id)) seen.add(doc.id);
      else {
        const ids = newIds.get(file.path) ?? new Map<number, string>();
        ids.set(doc.index, derivedRuleId(rulePath(file.path), doc.title ?? doc.id));
        newIds.set(file.path, ids);
      }
    }

  const metas: RuleMeta[] = [];
  for (const file of ruleFiles) {
    const rewritten = rewriteRuleFile(file.text, file.path, newIds.get(file.path));
    changes.push(...rewritten.changes);
    const path = rulePath(file.path);
    out.push({ path, text: rewritten.text });
    metas.push(...parseRules(rewritten.text, path).rules.map((r) => r.meta));
    counts.rules++;
  }
  for (const file of files.filter((f) => TEST_FILE.test(f.path))) {
    out.push({ path: rulePath(file.path), text: file.text });
    counts.tests++;
  }
  for (const file of files.filter((f) => isPostProcessingPath(f.path))) {
    const migrated = migratePostProcessing(file.text, file.path, metas);
    changes.push(...migrated.changes);
    if (migrated.count === 0) continue;
    const name = posix.basename(file.path).replace(/\.json$/i, '.yml');
    out.push({ path: posix.join('rules', 'correlations', name), text: migrated.text });
    counts.correlations += migrated.count;
  }
  const exceptions = files.find((f) => f.path === 'exceptions.json');
  if (exceptions) {
    const migrated = migrateExceptions(exceptions.text, exceptions.path);
    changes.push(...migrated.changes);
    if (migrated.count > 0) out.push({ path: 'accounts-exceptions.yaml', text: migrated.text });
    counts.exceptions = migrated.count;
  }
  for (const file of files) {
    const handled =
      RULE_FILE.test(file.path) ||
      TEST_FILE.test(file.path) ||
      isPostProcessingPath(file.path) ||
      file.path === 'exceptions.json';
    if (!handled)
      changes.push({
        kind: 'note',
        file: file.path,
        message: 'not a rule, test, post-processing or exceptions file: not copied',
      });
  }
  out.push({ path: 'MIGRATION.md', text: migrationReport({ changes, counts }) });
  return { files: out, changes, counts };
}
