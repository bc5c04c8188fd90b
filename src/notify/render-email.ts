/**
 * The alert email: a subject line, an email-safe HTML body (inline styles, no scripts, no external
 * resources, a strict CSP) and its plain-text alternative. Every event-derived value is defanged
 * and escaped for HTML; the only URLs are validated ATT&CK and CloudTrail console links (links.ts)
 * and operator-configured rule docs. The layout needs no media query (Gmail drops some CSS): it
 * fits a 400 px phone and a desktop alike, and never breaks a short value across lines.
 */
import type { Alert } from '../alerts';
import type { Level } from '../core';
import { alertFacts, subjectLine, type AlertFacts } from './alert-facts';
import { correlationHtml, digestHtml } from './email-events';
import { FONT, PRE, section, valueHtml } from './email-style';
import { checkBaseUrl, ruleDocsLink } from './links';
import { cooldownSummary } from './phrases';
import { guardDutyView, type GuardDutyView } from './render-guardduty';
import { huntNote, renderTextFromFacts } from './render-text';
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

const CELL = 'padding:4px 6px;vertical-align:top;border-bottom:1px solid #eeeeee;';

/** A link whose URL was built by links.ts (never raw event text). */
const link = (url: string, text: string): string =>
  `<a href="${esc(url)}" style="color:#1565c0;" rel="noopener noreferrer">${esc(text)}</a>`;

// A fixed layout sizes the label column itself, so a long value wraps instead of widening the table.
const row = (label: string, valueHtml: string): string =>
  `<tr><th scope="row" style="${CELL}width:104px;text-align:left;color:#555555;font-weight:bold;">${esc(label)}</th><td style="${CELL}">${valueHtml}</td></tr>`;

function factRows(f: AlertFacts, options: EmailOptions): string {
  const rows: string[] = [];
  const add = (label: string, value: string | undefined): void => {
    if (value !== undefined && value !== '') rows.push(row(label, valueHtml(value)));
  };
  // Reads as accountLabel does: `name (id)`, `id (unknown account)` or `name (id, unknown account)`.
  const badge = (text: string): string =>
    `<span style="background:#fff3cd;color:#7a5b00;padding:1px 4px;border-radius:3px;white-space:nowrap;">${text}</span>`;
  const { name, id, known } = f.account;
  const account = known
    ? `${valueHtml(name)} (${valueHtml(id)})`
    : name !== id
      ? `${valueHtml(name)} (${valueHtml(id)}, ${badge('unknown account')})`
      : `${valueHtml(id)} ${badge('(unknown account)')}`;
  rows.push(row('Account', account));
  add('OU path', f.account.ouPath);
  rows.push(row('Actor', `${valueHtml(f.actor)} ${valueHtml(`[${f.actorType}]`)}`));
  if (f.actorId && f.actorId !== f.actor) add('Actor ID', f.actorId);
  add('Target', f.target);
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
          ? `${valueHtml(f.eventId)} — ${link(f.consoleUrl, 'open in CloudTrail event history')}`
          : valueHtml(f.eventId),
      ),
    );
  }
  add('Error code', f.errorCode);
  if (f.errorMessage)
    rows.push(row('Error message', `<span style="white-space:pre-wrap;">${esc(f.errorMessage)}</span>`));
  if (f.attack.length) rows.push(row('ATT&CK', f.attack.map((t) => link(t.url, t.id)).join(', ')));
  if (f.otherTags.length) add('Tags', f.otherTags.join(', '));
  const docs = ruleDocsLink(options.ruleDocsUrl, f.ruleFile);
  rows.push(
    row('Rule', docs ? `${valueHtml(f.ruleId)} — ${link(docs, 'rule documentation')}` : valueHtml(f.ruleId)),
  );
  if (f.suppressed) rows.push(row('Cooldown', cooldownSummary(f.suppressed, valueHtml)));
  add('Alert ID', f.id);
  return `<table role="presentation" cellpadding="0" cellspacing="0" width="100%" style="${FONT}font-size:13px;border-collapse:collapse;width:100%;table-layout:fixed;">${rows.join('')}</table>`;
}

/** The GuardDuty finding's rows (render-guardduty.ts), its console link and description. */
function guardDutyHtml(g: GuardDutyView): string {
  const rows = g.rows.map(([label, value]) => row(label, valueHtml(value)));
  if (g.consoleUrl) rows.push(row('Console', link(g.consoleUrl, 'open the finding in GuardDuty')));
  if (g.description)
    rows.push(row('Description', `<span style="white-space:pre-wrap;">${esc(g.description)}</span>`));
  return section(
    'GuardDuty finding',
    `<table role="presentation" cellpadding="0" cellspacing="0" width="100%" style="${FONT}font-size:13px;border-collapse:collapse;width:100%;table-layout:fixed;">${rows.join('')}</table>`,
  );
}

export function renderEmailHtml(
  f: AlertFacts,
  subject: string,
  options: EmailOptions,
  guardDuty?: GuardDutyView,
  hunt?: string,
): string {
  const colour = LEVEL_COLOURS[f.level];
  const badge = `<span style="display:inline-block;padding:2px 8px;border-radius:3px;background:${colour.bg};color:${colour.fg};font-weight:bold;font-size:12px;">${esc(f.level.toUpperCase())}</span>`;
  const kind =
    f.kind === 'correlation' ? ' <span style="font-size:12px;color:#555555;">correlation</span>' : '';
  const parts = [
    `<h2 style="${FONT}font-size:18px;margin:0 0 8px 0;">${badge}${kind} ${esc(f.title)}</h2>`,
    hunt ? `<p style="${FONT}font-size:13px;font-weight:bold;margin:0 0 12px 0;">${esc(hunt)}</p>` : '',
    f.description
      ? `<p style="${FONT}font-size:13px;white-space:pre-wrap;margin:0 0 12px 0;">${esc(f.description)}</p>`
      : '',
    factRows(f, options),
    guardDuty ? guardDutyHtml(guardDuty) : '',
    f.requestParameters
      ? section('Request parameters', `<pre style="${PRE}">${esc(f.requestParameters)}</pre>`)
      : '',
    f.correlation ? correlationHtml(f.correlation) : '',
    f.digest ? digestHtml(f.digest) : '',
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
    // Long tokens (ARNs, JSON) may break anywhere; short ones are kept whole by valueHtml.
    `<div style="max-width:900px;overflow-wrap:anywhere;word-wrap:break-word;">${parts.join('')}</div>`,
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
  const guardDuty = guardDutyView(alert);
  const hunt = huntNote(alert);
  return {
    subject,
    html: renderEmailHtml(facts, subject, checked, guardDuty, hunt),
    text: renderTextFromFacts(facts, guardDuty, hunt),
  };
}
