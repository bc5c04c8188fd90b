/**
 * Plain-text rendering of an alert: the same facts as the HTML email, for the text/plain part and
 * terminals. Values are already inert and defanged (alert-facts.ts); multi-line values are indented
 * so that no event value can forge a line that looks like a label.
 */
import type { Alert } from '../alerts';
import { alertFacts, headline, type AlertFacts } from './alert-facts';
import { CORRELATION_COLUMNS, DIGEST_COLUMNS, cells, splitColumns, type Column } from './event-columns';
import {
  andMore,
  cooldownSummary,
  correlationSummary,
  countedValuesTitle,
  digestSummary,
  groupSummary,
} from './phrases';
import { guardDutyTextLines, guardDutyView, type GuardDutyView } from './render-guardduty';
import { headerSafe } from './sanitize';

const indent = (block: string, by = '    '): string =>
  block
    .split('\n')
    .map((line) => `${by}${line}`)
    .join('\n');

/** The "Label: value" lines shared by text-like outputs (text, SNS). */
export function factLines(f: AlertFacts): string[] {
  const lines: string[] = [];
  const add = (label: string, value: string | undefined): void => {
    if (value !== undefined && value !== '') lines.push(`${label}: ${value}`);
  };
  add('Level', f.level.toUpperCase());
  add('Rule', `${f.title} (${f.ruleId})`);
  add('Kind', f.kind);
  add('Account', f.account.label);
  add('OU', f.account.ouPath);
  add('Actor', `${f.actor} [${f.actorType}]`);
  add('Target', f.target);
  add('Source IP', f.sourceIp);
  add('IP context', f.ipContext);
  add('User agent', f.userAgent);
  add('Region', f.region);
  add('Time', f.time);
  add(
    'Event',
    f.eventName && f.eventSource ? `${f.eventName} (${f.eventSource})` : (f.eventName ?? f.eventSource),
  );
  add('Event ID', f.eventId);
  add('Error code', f.errorCode);
  if (f.suppressed) add('Cooldown', cooldownSummary(f.suppressed));
  add('Alert ID', f.id);
  return lines;
}

/** Rows as `- Time: … · Event: …` lines, after one line for what all rows share. */
function rowLines<R>(rows: readonly R[], columns: readonly Column<R>[], more: number): string[] {
  const { common, varying } = splitColumns(rows, columns);
  const lines: string[] = [];
  if (common.length) lines.push(`same for all: ${common.map((c) => `${c.label}: ${c.value}`).join(' · ')}`);
  for (const row of rows)
    lines.push(
      `- ${cells(row, varying)
        .map((c) => `${c.label}: ${c.value}`)
        .join(' · ')}`,
    );
  if (more > 0) lines.push(andMore(more));
  return lines;
}

/** The correlation's summary, group, counted values and events, as plain lines (indented by the caller). */
export function correlationLines(c: NonNullable<AlertFacts['correlation']>, maxRows = Infinity): string[] {
  const lines = [`Correlation: ${correlationSummary(c)}`];
  const group = groupSummary(c);
  if (group) lines.push(`    group: ${group}`);
  if (c.values.length) {
    const shown = c.values.slice(0, maxRows);
    lines.push(`    ${countedValuesTitle(c)}:`, ...shown.map((v) => `      ${v}`));
    const more = c.values.length - shown.length + c.valuesMore;
    if (more > 0) lines.push(`      ${andMore(more)}`);
  }
  const rows = c.events.slice(0, maxRows);
  lines.push(
    `    Events (${c.events.length + c.more}):`,
    ...rowLines(rows, CORRELATION_COLUMNS, c.events.length - rows.length + c.more).map((l) => `      ${l}`),
  );
  return lines;
}

/** The digest's summary and entries, as plain lines. */
export function digestLines(d: NonNullable<AlertFacts['digest']>, maxRows = Infinity): string[] {
  const rows = d.entries.slice(0, maxRows);
  return [
    `Digest: ${digestSummary(d)}`,
    ...rowLines(rows, DIGEST_COLUMNS, d.entries.length - rows.length + d.more).map((l) => `    ${l}`),
  ];
}

/**
 * What every notification says of an alert a retro-hunt found, unescaped (each renderer escapes
 * it): the event may be old, and it did not come from the live pipeline.
 */
export function huntNote(alert: Pick<Alert, 'hunt' | 'time'>): string | undefined {
  return alert.hunt
    ? `Found by retro-hunt ${alert.hunt.id.slice(0, 80)}, not the live pipeline (event time ${alert.time.slice(0, 40)}).`
    : undefined;
}

export function renderTextFromFacts(f: AlertFacts, guardDuty?: GuardDutyView, hunt?: string): string {
  const out: string[] = [headerSafe(headline(f), 300), ''];
  if (hunt) out.push(headerSafe(hunt, 300), '');
  out.push(...factLines(f));
  if (guardDuty) out.push('', ...guardDutyTextLines(guardDuty), '');
  if (f.attack.length) out.push(`ATT&CK: ${f.attack.map((t) => `${t.id} ${t.url}`).join(', ')}`);
  if (f.otherTags.length) out.push(`Tags: ${f.otherTags.join(', ')}`);
  if (f.consoleUrl) out.push(`Console: ${f.consoleUrl}`);
  if (f.description) out.push('', 'Description:', indent(f.description));
  if (f.errorMessage) out.push('', 'Error message:', indent(f.errorMessage));
  if (f.requestParameters) out.push('', 'Request parameters:', indent(f.requestParameters));
  if (f.correlation) out.push('', ...correlationLines(f.correlation));
  if (f.digest) out.push('', ...digestLines(f.digest));
  out.push('', 'Raw event:', indent(f.rawEvent), '');
  return out.join('\n');
}

/** Plain-text version of an alert. */
export function renderText(alert: Alert, options: { consoleBaseUrl?: string } = {}): string {
  return renderTextFromFacts(alertFacts(alert, options), guardDutyView(alert), huntNote(alert));
}
