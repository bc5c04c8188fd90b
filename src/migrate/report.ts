/** MIGRATION.md: what `trailalerts migrate` changed, and what it could not translate, by file and line. */
import type { Change, MigrationResult } from './model';

const SECTIONS: [Change['kind'], string, string][] = [
  ['untranslated', 'Not translated', 'Constructs with no standard form: check each by hand.'],
  ['note', 'Differences', 'Read as the Sigma specification says rather than as TrailAlerts did, or skipped.'],
  ['changed', 'Changes', 'Rewrites to standard Sigma and to this project’s layout.'],
];

export function migrationReport(result: Omit<MigrationResult, 'files'>): string {
  const { counts, changes } = result;
  const lines = [
    '# Migration from TrailAlerts',
    '',
    `Written: ${counts.rules} rule files and ${counts.tests} test files under \`rules/\`, ` +
      `${counts.correlations} correlation rules under \`rules/correlations/\`` +
      `${counts.exceptions ? `, ${counts.exceptions} exceptions in \`accounts-exceptions.yaml\`` : ''}.`,
    '',
    'Next: merge `accounts-exceptions.yaml` into accounts.yaml and write each `reason`; then run',
    '`trailalerts validate rules/` and `trailalerts test rules/`.',
  ];
  for (const [kind, title, intro] of SECTIONS) {
    const list = changes
      .filter((c) => c.kind === kind)
      .sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0));
    if (list.length === 0) continue;
    lines.push('', `## ${title} (${list.length})`, '', intro, '');
    for (const c of list)
      lines.push(`- \`${c.file}${c.line !== undefined ? `:${c.line}` : ''}\` ${c.message}`);
  }
  return `${lines.join('\n')}\n`;
}
