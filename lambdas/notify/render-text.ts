/**
 * Plain-text rendering of an alert: the same facts as the HTML email, for the text/plain part,
 * the outbox `.txt` file and terminals. Values are already inert (alert-facts.ts); multi-line
 * values are indented so that no event value can forge a line that looks like a label.
 */
import type { Alert } from '../alerts/alert';
import { alertFacts, headline, type AlertFacts } from './alert-facts';
import { headerSafe } from './sanitize';

const indent = (block: string): string =>
  block
    .split('\n')
    .map((line) => `    ${line}`)
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
  add('Account', `${f.account.name} (${f.account.id})${f.account.known ? '' : ' [unknown account]'}`);
  add('OU', f.account.ouPath);
  add('Actor', `${f.actor} [${f.actorType}]`);
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
  if (f.suppressed)
    add('Cooldown', `${f.suppressed.count} similar alert(s) suppressed since ${f.suppressed.since}`);
  add('Alert ID', f.id);
  return lines;
}

export function renderTextFromFacts(f: AlertFacts): string {
  const out: string[] = [headerSafe(headline(f), 300), ''];
  out.push(...factLines(f));
  if (f.attack.length) out.push(`ATT&CK: ${f.attack.map((t) => `${t.id} ${t.url}`).join(', ')}`);
  if (f.otherTags.length) out.push(`Tags: ${f.otherTags.join(', ')}`);
  if (f.consoleUrl) out.push(`Console: ${f.consoleUrl}`);
  if (f.description) out.push('', 'Description:', indent(f.description));
  if (f.errorMessage) out.push('', 'Error message:', indent(f.errorMessage));
  if (f.requestParameters) out.push('', 'Request parameters:', indent(f.requestParameters));
  if (f.correlation) {
    const c = f.correlation;
    out.push('', `Correlation: ${c.type}${c.value !== undefined ? ` (value ${c.value})` : ''}`);
    for (const [k, v] of c.groupBy) out.push(`    group ${k} = ${v}`);
    for (const e of c.events) {
      out.push(
        `    - ${e.time} ${e.eventName} ${e.eventSource} by ${e.actor} from ${e.sourceIp} in ${e.accountId} [${e.ruleTitle}] ${e.eventId}`,
      );
    }
    if (c.more > 0) out.push(`    … and ${c.more} more event(s)`);
  }
  out.push('', 'Raw event:', indent(f.rawEvent), '');
  return out.join('\n');
}

/** Plain-text version of an alert. */
export function renderText(alert: Alert, options: { consoleBaseUrl?: string } = {}): string {
  return renderTextFromFacts(alertFacts(alert, options));
}
