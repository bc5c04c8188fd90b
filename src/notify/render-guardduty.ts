/**
 * What a notification adds for a GuardDuty alert (alert.guardDuty, src/guardduty/match.ts):
 * the finding's title, severity, occurrences, first and last seen, resource, id and ARN, its
 * description, and a link to the finding in the GuardDuty console. Cleaned here like every event
 * value (alert-facts.ts): for people, invisible characters made visible and URLs defanged; for
 * machines, only made visible. Each renderer escapes for its own syntax.
 *
 * Finding titles, descriptions and resource names hold attacker-chosen text (user names, bucket
 * names, domains): never trusted, never linked. The console link is rebuilt here from the alert's
 * region and the finding id, both checked against strict patterns.
 */
import type { Alert } from '../alerts';
import { guardDutyConsoleUrl } from '../guardduty';
import { defang } from './defang';
import { asText, cleanBlock, cleanLine, escapeInvisible, truncate } from './sanitize';
import { displayTime } from './time';

export interface GuardDutyView {
  /** Label and cleaned value, in display order; empty values are left out. */
  rows: [string, string][];
  description?: string;
  consoleUrl?: string;
}

const LINE = 1000;
const BLOCK = 4000;

/** The GuardDuty rows of an alert, or undefined for a CloudTrail alert. Never throws. */
export function guardDutyView(
  alert: Alert,
  audience: 'people' | 'machines' = 'people',
): GuardDutyView | undefined {
  const g = alert.guardDuty;
  if (!g || typeof g !== 'object') return undefined;
  const people = audience === 'people';
  const line = (v: unknown, max = LINE) =>
    people ? truncate(defang(escapeInvisible(asText(v))), max) : cleanLine(v, max);
  const time = (v: unknown) => (people ? defang(displayTime(v)) : cleanLine(v, 64));
  const severity =
    typeof g.severity === 'number' && Number.isFinite(g.severity)
      ? `${g.severity.toFixed(1)} (${line(g.severityLabel, 32)})`
      : '';
  const count =
    typeof g.count === 'number' && Number.isInteger(g.count) && g.count > 0 ? String(g.count) : '';
  const rows: [string, string][] = [
    ['Finding', line(g.title)],
    ['Finding type', line(g.type, 200)],
    ['Severity', severity],
    ['Occurrences', count],
    ['First seen', g.firstSeen ? time(g.firstSeen) : ''],
    ['Last seen', g.lastSeen ? time(g.lastSeen) : ''],
    ['Resource', line(g.resource)],
    ['Finding ID', line(g.findingId, 128)],
    ['Finding ARN', line(g.findingArn)],
  ];
  const description = people
    ? truncate(defang(escapeInvisible(asText(g.description), true)), BLOCK)
    : cleanBlock(g.description, BLOCK);
  const consoleUrl =
    typeof g.findingId === 'string'
      ? guardDutyConsoleUrl(typeof alert.region === 'string' ? alert.region : undefined, g.findingId)
      : undefined;
  return {
    rows: rows.filter(([, value]) => value !== ''),
    ...(description ? { description } : {}),
    ...(consoleUrl ? { consoleUrl } : {}),
  };
}

/** Plain-text lines (text, SNS, the email's text part): a heading, the rows, the description. */
export function guardDutyTextLines(view: GuardDutyView | undefined): string[] {
  if (!view) return [];
  const lines = ['GuardDuty:', ...view.rows.map(([label, value]) => `    ${label}: ${value}`)];
  if (view.consoleUrl) lines.push(`    Console: ${view.consoleUrl}`);
  if (view.description)
    lines.push('    Description:', ...view.description.split('\n').map((l) => `        ${l}`));
  return lines;
}
