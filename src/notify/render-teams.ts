/**
 * Microsoft Teams message: an Adaptive Card (1.4) in the message envelope that Teams workflow
 * (Power Automate) webhooks and incoming webhooks accept. Event-derived text is defanged
 * (alert-facts.ts) and escaped for the card's Markdown subset (backslash before punctuation, no
 * `{{…}}` date functions, no `<at>` mentions); the only URLs are the validated ATT&CK and
 * CloudTrail console links. The card is kept under Teams' message size limit (budget below).
 */
import type { Alert } from '../alerts';
import type { Level } from '../core';
import { alertFacts, headline, type AlertFacts } from './alert-facts';
import { fitToBudget, jsonBytes, type Caps } from './budget';
import { CORRELATION_COLUMNS, DIGEST_COLUMNS, cells, splitColumns, type Column } from './event-columns';
import {
  andMore,
  cooldownSummary,
  correlationSummary,
  countedValuesTitle,
  digestSummary,
  groupSummary,
  shortenedNote,
} from './phrases';
import { guardDutyView, type GuardDutyView } from './render-guardduty';
import { huntNote } from './render-text';
import { truncate } from './sanitize';

export interface TeamsMessage {
  type: 'message';
  attachments: {
    contentType: 'application/vnd.microsoft.card.adaptive';
    contentUrl: null;
    content: Record<string, unknown>;
  }[];
}

/**
 * "The message size limit is 28 KB. When the size exceeds 28 KB, you receive an error."
 * (learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook;
 * the Teams connector of Power Automate workflows states "about 28 KB" too,
 * learn.microsoft.com/connectors/teams/#known-issues-and-limitations). A rejected card is never
 * retried, and users report rejections from about 21 KB, so cards keep to 20,000 bytes of JSON.
 */
export const TEAMS_MAX_BYTES = 28 * 1000;
export const TEAMS_BUDGET_BYTES = 20_000;

/**
 * Escapes text for the Adaptive Card Markdown subset (bold, italic, links, lists). Only what that
 * subset interprets is backslash-escaped, so ordinary values (ARNs, dates, hyphens) stay readable:
 * emphasis (`*`, `_`), link brackets (`[`, `]`), HTML-ish brackets (`<`, `>`, which some Teams
 * clients render as HTML), backslash, backtick and `~`; list markers at a line start; `{{` date
 * functions; and `://`, broken with a zero-width space so that no URL is auto-linked.
 */
export function escapeTeams(text: string): string {
  return text
    .replace(/[\\`*_[\]<>~]/g, (c) => `\\${c}`)
    .replace(/^(\s*)([-+]|\d+\.)(?=\s)/gm, (_m, space: string, marker: string) => `${space}\\${marker}`)
    .replace(/\{\{/g, '{\u200b{')
    .replace(/:\/\//g, ':\u200b//')
    .replace(/@(channel|here|everyone|team)\b/gi, '@\u200b$1');
}

const LEVEL_STYLE: Record<Level, string> = {
  informational: 'default',
  low: 'good',
  medium: 'warning',
  high: 'attention',
  critical: 'attention',
};

const LEVEL_COLOR: Record<Level, string> = {
  informational: 'Default',
  low: 'Good',
  medium: 'Warning',
  high: 'Attention',
  critical: 'Attention',
};

/** An event value, capped then escaped. */
const val = (value: string, caps: Caps): string => escapeTeams(truncate(value, caps.value));

function facts(f: AlertFacts, caps: Caps): { title: string; value: string }[] {
  const out: { title: string; value: string }[] = [];
  const add = (title: string, value: string | undefined): void => {
    if (value) out.push({ title, value: val(value, caps) });
  };
  add('Account', f.account.label);
  add('OU path', f.account.ouPath);
  add('Actor', f.actor);
  add('Target', f.target);
  add('Source IP', f.sourceIp);
  add('IP context', f.ipContext);
  add('Region', f.region);
  add('Time', f.time);
  add(
    'Event',
    f.eventName && f.eventSource ? `${f.eventName} (${f.eventSource})` : (f.eventName ?? f.eventSource),
  );
  add('Error', f.errorCode ? `${f.errorCode}${f.errorMessage ? `: ${f.errorMessage}` : ''}` : undefined);
  add('User agent', f.userAgent);
  add('ATT&CK', f.attack.map((t) => t.id).join(', '));
  if (f.suppressed) add('Cooldown', cooldownSummary(f.suppressed));
  add('Rule ID', f.ruleId);
  add('Alert ID', f.id);
  return out;
}

const textBlock = (text: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'TextBlock',
  text,
  wrap: true,
  ...extra,
});

const heading = (text: string): Record<string, unknown> =>
  textBlock(escapeTeams(text), { weight: 'Bolder', spacing: 'Medium' });

/** A Markdown list (`- a\r- b`, the separator Teams cards use) of escaped items. */
const list = (items: string[]): string => items.map((i) => `- ${i}`).join('\r');

/** Rows as a list of `value · value`, after the columns' names and what all rows share. */
function rowBlocks<R>(
  rows: readonly R[],
  columns: readonly Column<R>[],
  more: number,
  caps: Caps,
): Record<string, unknown>[] {
  const { common, varying } = splitColumns(rows, columns);
  const blocks: Record<string, unknown>[] = [];
  if (common.length)
    blocks.push(textBlock(`All: ${common.map((c) => `${c.label} ${val(c.value, caps)}`).join(' · ')}`));
  if (!rows.length) return blocks;
  blocks.push(textBlock(varying.map((c) => c.label).join(' · '), { isSubtle: true, size: 'Small' }));
  const items = rows.map((row) =>
    cells(row, varying)
      .map((c) => val(c.value, caps))
      .join(' · '),
  );
  if (more > 0) items.push(andMore(more));
  blocks.push(textBlock(list(items), { spacing: 'Small' }));
  return blocks;
}

function correlationBlocks(c: NonNullable<AlertFacts['correlation']>, caps: Caps): Record<string, unknown>[] {
  const v = (s: string): string => val(s, caps);
  const group = groupSummary(c, v);
  const rows = c.events.slice(0, caps.rows);
  const blocks = [
    heading('Correlation'),
    textBlock(`${correlationSummary(c, v)}${group ? `; group ${group}` : ''}`, { spacing: 'Small' }),
  ];
  if (c.values.length) {
    const shown = c.values.slice(0, caps.rows).map(v);
    const more = c.values.length - shown.length + c.valuesMore;
    blocks.push(heading(countedValuesTitle(c)));
    blocks.push(textBlock(list(more > 0 ? [...shown, andMore(more)] : shown), { spacing: 'Small' }));
  }
  blocks.push(heading(`Events (${c.events.length + c.more})`));
  blocks.push(...rowBlocks(rows, CORRELATION_COLUMNS, c.events.length - rows.length + c.more, caps));
  return blocks;
}

function digestBlocks(d: NonNullable<AlertFacts['digest']>, caps: Caps): Record<string, unknown>[] {
  const rows = d.entries.slice(0, caps.rows);
  return [
    heading('Digest'),
    textBlock(
      digestSummary(d, (s) => val(s, caps)),
      { spacing: 'Small' },
    ),
    ...rowBlocks(rows, DIGEST_COLUMNS, d.entries.length - rows.length + d.more, caps),
  ];
}

export function renderTeamsFromFacts(
  f: AlertFacts,
  caps: Caps,
  shortened: boolean,
  hunt?: string,
  guardDuty?: GuardDutyView,
): TeamsMessage {
  const body: Record<string, unknown>[] = [
    textBlock(truncate(escapeTeams(headline(f)), 500), {
      weight: 'Bolder',
      size: 'Medium',
      color: LEVEL_COLOR[f.level],
    }),
  ];
  if (hunt) body.push(textBlock(escapeTeams(truncate(hunt, 300)), { weight: 'Bolder' }));
  // The description is the rule's own text (the operator's), not an event value.
  if (f.description) body.push(textBlock(escapeTeams(truncate(f.description, caps.value * 3))));
  body.push({ type: 'FactSet', facts: facts(f, caps) });
  if (guardDuty) {
    body.push(heading('GuardDuty finding'));
    body.push({
      type: 'FactSet',
      facts: guardDuty.rows.map(([title, value]) => ({ title, value: val(value, caps) })),
    });
    if (guardDuty.description && caps.block > 0)
      body.push(textBlock(escapeTeams(truncate(guardDuty.description, caps.block)), { size: 'Small' }));
  }
  if (f.requestParameters && caps.block > 0) {
    body.push(heading('Request parameters'));
    body.push(
      textBlock(escapeTeams(truncate(f.requestParameters, caps.block)), {
        fontType: 'Monospace',
        size: 'Small',
      }),
    );
  }
  if (f.correlation && caps.rows > 0) body.push(...correlationBlocks(f.correlation, caps));
  if (f.digest && caps.rows > 0) body.push(...digestBlocks(f.digest, caps));
  if (shortened) body.push(textBlock(escapeTeams(shortenedNote('Teams')), { isSubtle: true, size: 'Small' }));
  const actions = [
    ...(f.consoleUrl ? [{ type: 'Action.OpenUrl', title: 'Open in CloudTrail', url: f.consoleUrl }] : []),
    // Built from a checked region and finding id (render-guardduty.ts).
    ...(guardDuty?.consoleUrl
      ? [{ type: 'Action.OpenUrl', title: 'Open in GuardDuty', url: guardDuty.consoleUrl }]
      : []),
    ...f.attack.slice(0, 4).map((t) => ({ type: 'Action.OpenUrl', title: `ATT&CK ${t.id}`, url: t.url })),
  ];
  const card: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    msteams: { width: 'Full' },
    body: [{ type: 'Container', style: LEVEL_STYLE[f.level], items: body }],
  };
  if (actions.length) card.actions = actions;
  return {
    type: 'message',
    attachments: [
      { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
    ],
  };
}

/** Teams webhook payload for an alert, within Teams' message size limit. */
export function renderTeams(alert: Alert): TeamsMessage {
  const facts = alertFacts(alert);
  const guardDuty = guardDutyView(alert);
  return fitToBudget(
    (caps, shortened) => renderTeamsFromFacts(facts, caps, shortened, huntNote(alert), guardDuty),
    jsonBytes,
    TEAMS_BUDGET_BYTES,
  );
}
