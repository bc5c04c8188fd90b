/**
 * The notices about logsources: a rule read as CloudTrail in TrailAlerts' dialect (folded into one
 * notice per folder, so a TrailAlerts pack is not drowned in lines), and rules skipped because
 * their logsource is not CloudTrail (counted for `scan` and `detect`, named by `validate --notices`).
 */
import { dirname } from 'node:path';
import type { Diagnostic } from '../core';

const SKIPPED = 'skipped: logsource is not AWS CloudTrail';
const DIALECT = 'read as CloudTrail, as TrailAlerts does';

export const skippedNotice = (found: string): string => `${SKIPPED} (${found})`;

export const awsServiceNotice = (service: string): string =>
  `product: aws, service: ${service} ${DIALECT} (the standard spelling is service: cloudtrail)`;

const isSkipped = (d: Diagnostic): boolean => d.severity === 'notice' && d.message.startsWith(SKIPPED);
const isDialect = (d: Diagnostic): boolean => d.severity === 'notice' && d.message.includes(DIALECT);

/** How many rules were skipped for their logsource. */
export function skippedCount(diagnostics: Diagnostic[]): number {
  return diagnostics.filter(isSkipped).length;
}

/** The stderr line `scan` and `detect` print when rules were skipped (undefined when none). */
export function skippedSummary(diagnostics: Diagnostic[]): string | undefined {
  const n = skippedCount(diagnostics);
  if (n === 0) return undefined;
  return `notice: ${n} rule${n === 1 ? '' : 's'} skipped: logsource is not AWS CloudTrail (trailalerts validate --notices names them)`;
}

/** Replaces the per-rule dialect notices by one per folder, at the folder's first such rule. */
export function foldDialectNotices(diagnostics: Diagnostic[]): Diagnostic[] {
  const byFolder = new Map<string, { first: Diagnostic; services: Set<string>; count: number }>();
  for (const d of diagnostics.filter(isDialect)) {
    const folder = dirname(d.file);
    const service = /service: (\S+)/.exec(d.message)?.[1] ?? '?';
    const entry = byFolder.get(folder) ?? { first: d, services: new Set<string>(), count: 0 };
    entry.services.add(service);
    entry.count++;
    byFolder.set(folder, entry);
  }
  const folded: Diagnostic[] = diagnostics.filter((d) => !isDialect(d));
  for (const [folder, { first, services, count }] of byFolder)
    folded.push({
      severity: 'notice',
      file: first.file,
      line: first.line,
      path: 'logsource',
      message:
        `${count} rule${count === 1 ? '' : 's'} in ${folder} with product: aws and service: ` +
        `${[...services].sort().join(', ')} treated as CloudTrail, as TrailAlerts does (expected service: cloudtrail)`,
    });
  return folded;
}
