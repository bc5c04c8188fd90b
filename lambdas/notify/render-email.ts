/**
 * The alert email: a subject line, an email-safe HTML body (inline styles, tables, no scripts,
 * no external resources, a strict CSP) and its plain-text alternative. Every event-derived value
 * is escaped for HTML; the only URLs are validated ATT&CK and CloudTrail console links (links.ts)
 * and operator-configured rule docs.
 */
import type { Alert } from '../alerts/alert';
import type { Level } from '../sigma/model';
import { alertFacts, subjectLine, type AlertFacts } from './alert-facts';
import { checkBaseUrl, ruleDocsLink } from './links';
import { renderTextFromFacts } from './render-text';
import { escapeHtml as esc } from './sanitize';

export interface EmailOptions {
  /** Replaces `https://<region>.console.aws.amazon.com` (e.g. for other partitions). https only. */
  consoleBaseUrl?: string;
  /** Base URL of the rules' documentation or repository; the rule file path is appended. https only. */
  ruleDocsUrl?: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export const SUBJECT_MAX = 200;
export const EMAIL_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const LEVEL_COLOURS: Record<Level, { bg: string; fg: string }> = {
  informational: { bg: '#607d8b', fg: '#ffffff' },
  low: { bg: '#2e7d32', fg: '#ffffff' },
  medium: { bg: '#f9a825', fg: '#000000' },
  high: { bg: '#e65100', fg: '#ffffff' },
  critical: { bg: '#b71c1c', fg: '#ffffff' },
};

const FONT = 'font-family:Arial,Helvetica,sans-serif;';
const CELL = 'padding:4px 8px;vertical-align:top;border-bottom:1px solid #eeeeee;';
const PRE =
  'margin:0;padding:8px;background:#f5f5f5;border:1px solid #dddddd;white-space:pre-wrap;word-break:break-all;font-family:Consolas,Menlo,monospace;font-size:12px;';

/** A link whose URL was built by links.ts (never raw event text). */
const link = (url: string, text: string): string =>
  `<a href="${esc(url)}" style="color:#1565c0;" rel="noopener noreferrer">${esc(text)}</a>`;

const row = (label: string, valueHtml: string): string =>
  `<tr><th scope="row" style="${CELL}text-align:left;white-space:nowrap;color:#555555;font-weight:bold;">${esc(label)}</th><td style="${CELL}word-break:break-word;">${valueHtml}</td></tr>`;

const section = (title: string, bodyHtml: string): string =>
  `<h3 style="${FONT}font-size:14px;margin:16px 0 6px 0;">${esc(title)}</h3>${bodyHtml}`;

function factRows(f: AlertFacts, options: EmailOptions): string {
  const rows: string[] = [];
  const add = (label: string, value: string | undefined): void => {
    if (value !== undefined && value !== '') rows.push(row(label, esc(value)));
  };
  const unknown = f.account.known
    ? ''
    : ' <span style="background:#fff3cd;color:#7a5b00;padding:1px 4px;border-radius:3px;">unknown account</span>';
  rows.push(row('Account', `${esc(f.account.name)} (${esc(f.account.id)})${unknown}`));
  add('OU path', f.account.ouPath);
  add('Actor', `${f.actor} [${f.actorType}]`);
  if (f.actorId && f.actorId !== f.actor) add('Actor ID', f.actorId);
  add('Source IP', f.sourceIp);
  add('IP context', f.ipContext);
  add('User agent', f.userAgent);
  add('Region', f.region);
  add('Time', f.time);
  add('Event name', f.eventName);
  add('Event source', f.eventSource);
  if (f.eventId) {
    rows.push(
      row(
        'Event ID',
        f.consoleUrl
          ? `${esc(f.eventId)} — ${link(f.consoleUrl, 'open in CloudTrail event history')}`
          : esc(f.eventId),
      ),
    );
  }
  add('Error code', f.errorCode);
  if (f.errorMessage)
    rows.push(row('Error message', `<span style="white-space:pre-wrap;">${esc(f.errorMessage)}</span>`));
  if (f.attack.length) rows.push(row('ATT&CK', f.attack.map((t) => link(t.url, t.id)).join(', ')));
  if (f.otherTags.length) add('Tags', f.otherTags.join(', '));
  const docs = ruleDocsLink(options.ruleDocsUrl, f.ruleFile);
  rows.push(row('Rule', docs ? `${esc(f.ruleId)} — ${link(docs, 'rule documentation')}` : esc(f.ruleId)));
  if (f.suppressed)
    add('Cooldown', `${f.suppressed.count} similar alert(s) suppressed since ${f.suppressed.since}`);
  add('Alert ID', f.id);
  return `<table role="presentation" cellpadding="0" cellspacing="0" style="${FONT}font-size:13px;border-collapse:collapse;width:100%;">${rows.join('')}</table>`;
}

function correlationHtml(f: AlertFacts): string {
  const c = f.correlation;
  if (!c) return '';
  const th = (t: string): string => `<th style="${CELL}text-align:left;background:#f0f0f0;">${esc(t)}</th>`;
  const td = (t: string): string => `<td style="${CELL}word-break:break-word;">${esc(t)}</td>`;
  const group = c.groupBy.length
    ? `<p style="${FONT}font-size:13px;margin:4px 0;">Group: ${esc(c.groupBy.map(([k, v]) => `${k} = ${v}`).join(', '))}</p>`
    : '';
  const summary = `<p style="${FONT}font-size:13px;margin:4px 0;">Type: ${esc(c.type)}${c.value !== undefined ? `, value ${esc(c.value)}` : ''}</p>`;
  const header = ['Time', 'Event', 'Source', 'Actor', 'Source IP', 'Account', 'Rule', 'Event ID']
    .map(th)
    .join('');
  const body = c.events
    .map(
      (e) =>
        `<tr>${[e.time, e.eventName, e.eventSource, e.actor, e.sourceIp, e.accountId, e.ruleTitle, e.eventId].map(td).join('')}</tr>`,
    )
    .join('');
  const more =
    c.more > 0 ? `<p style="${FONT}font-size:12px;color:#555555;">… and ${c.more} more event(s)</p>` : '';
  return section(
    'Correlated events',
    `${summary}${group}<table cellpadding="0" cellspacing="0" style="${FONT}font-size:12px;border-collapse:collapse;width:100%;"><thead><tr>${header}</tr></thead><tbody>${body}</tbody></table>${more}`,
  );
}

export function renderEmailHtml(f: AlertFacts, subject: string, options: EmailOptions): string {
  const colour = LEVEL_COLOURS[f.level];
  const badge = `<span style="display:inline-block;padding:2px 8px;border-radius:3px;background:${colour.bg};color:${colour.fg};font-weight:bold;font-size:12px;">${esc(f.level.toUpperCase())}</span>`;
  const kind =
    f.kind === 'correlation' ? ' <span style="font-size:12px;color:#555555;">correlation</span>' : '';
  const parts = [
    `<h2 style="${FONT}font-size:18px;margin:0 0 8px 0;">${badge}${kind} ${esc(f.title)}</h2>`,
    f.description
      ? `<p style="${FONT}font-size:13px;white-space:pre-wrap;margin:0 0 12px 0;">${esc(f.description)}</p>`
      : '',
    factRows(f, options),
    f.requestParameters
      ? section('Request parameters', `<pre style="${PRE}">${esc(f.requestParameters)}</pre>`)
      : '',
    correlationHtml(f),
    section(
      'Raw event',
      `<details><summary style="${FONT}font-size:13px;cursor:pointer;">Show the raw CloudTrail event</summary><pre style="${PRE}">${esc(f.rawEvent)}</pre></details>`,
    ),
    `<p style="${FONT}font-size:11px;color:#777777;margin-top:16px;">Sent by TrailAlerts for AWS Organizations.</p>`,
  ];
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${esc(EMAIL_CSP)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(subject)}</title></head>`,
    `<body dir="ltr" style="margin:0;padding:16px;background:#ffffff;color:#222222;${FONT}">`,
    `<div style="max-width:900px;">${parts.join('')}</div>`,
    '</body></html>',
  ].join('\n');
}

/** Renders the alert email. Throws only for invalid options (operator configuration), never for event values. */
export function renderEmail(alert: Alert, options: EmailOptions = {}): RenderedEmail {
  const checked: EmailOptions = {
    consoleBaseUrl: options.consoleBaseUrl
      ? checkBaseUrl('consoleBaseUrl', options.consoleBaseUrl)
      : undefined,
    ruleDocsUrl: options.ruleDocsUrl ? checkBaseUrl('ruleDocsUrl', options.ruleDocsUrl) : undefined,
  };
  const facts = alertFacts(alert, { consoleBaseUrl: checked.consoleBaseUrl });
  const subject = subjectLine(alert, SUBJECT_MAX);
  return { subject, html: renderEmailHtml(facts, subject, checked), text: renderTextFromFacts(facts) };
}
