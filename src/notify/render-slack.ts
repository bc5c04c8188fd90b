/**
 * Slack message (Block Kit) for incoming webhooks. Event values are inert:
 * - every mrkdwn text object is `verbatim: true`, so Slack links no URL, channel or mention itself;
 * - every event value sits in a code span (or a code block), where mrkdwn applies no `*bold*`,
 *   `_italic_`, `:emoji:`, `#channel` or link; backticks inside become `ˋ` so no span can close early;
 * - `&`, `<`, `>` are escaped, so no `<!here>`, `<@U…>` or `<url|text>` can be formed;
 * - URLs and domains are defanged (alert-facts.ts), and the fallback text is not mrkdwn at all.
 * The only links are the validated ATT&CK and CloudTrail console URLs. The payload keeps to Slack's
 * documented limits and to the total size Slack accepts for blocks (budget below).
 */
import type { Alert } from '../alerts';
import { alertFacts, headline, type AlertFacts } from './alert-facts';
import { fitToBudget, type Caps } from './budget';
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

export interface SlackTextObject {
  type: 'mrkdwn' | 'plain_text';
  text: string;
  verbatim?: boolean;
  emoji?: boolean;
}

export interface SlackBlock {
  type: 'header' | 'section' | 'context' | 'divider';
  text?: SlackTextObject;
  fields?: SlackTextObject[];
  elements?: SlackTextObject[];
}

export interface SlackMessage {
  /** Notification fallback text (plain: `mrkdwn: false`). */
  text: string;
  mrkdwn: false;
  unfurl_links: false;
  unfurl_media: false;
  blocks: SlackBlock[];
}

/**
 * Slack's limits (docs.slack.dev/reference/block-kit/blocks, …/composition-objects/text-object):
 * a text object at most 3000 characters, a section at most 10 fields of 2000, a header 150,
 * a context 10 elements, a message 50 blocks. Beyond those, Slack refuses blocks whose text totals
 * about 13,200 characters (msg_blocks_too_long, slackapi/bolt-js#2509), so the whole message keeps
 * to 11,000.
 */
export const SLACK_LIMITS = {
  text: 3000,
  field: 2000,
  fields: 10,
  header: 150,
  blocks: 50,
  totalText: 11_000,
} as const;

/** Escapes text for Slack mrkdwn and neutralises broadcast mentions. */
export function escapeSlack(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(channel|here|everyone)\b/gi, '@\u200b$1');
}

/** Slack mrkdwn has no escape for a backtick inside code: a look-alike keeps the span closed. */
const noBackticks = (text: string): string => text.replace(/`/g, '\u02cb');

/**
 * An event value as an inline code span, capped at `max` characters before escaping. Trimmed, and
 * always set apart by the caller with a space or line break: Slack only reads a span that stands alone.
 */
export function codeSpan(value: string, max: number): string {
  const text = truncate(value.trim(), max);
  if (text === '') return '';
  let escaped = noBackticks(escapeSlack(text));
  // `&`, `<`, `>` grow fivefold when escaped: cap again, never inside an entity.
  if (escaped.length > max) escaped = `${escaped.slice(0, max).replace(/&[a-z#0-9]*$/, '')}…`;
  return `\`${escaped}\``;
}

/** A multi-line event value as a code block. */
const codeBlock = (value: string, max: number): string =>
  '```\n' + noBackticks(escapeSlack(truncate(value, max))) + '\n```';

const mrkdwn = (text: string): SlackTextObject => ({
  type: 'mrkdwn',
  text: truncate(text, SLACK_LIMITS.text),
  verbatim: true,
});

/** Lines joined within a text object's limit: whole lines are dropped (never cut inside a span). */
function withinLimit(lines: string[], max: number = SLACK_LIMITS.text): string {
  const kept: string[] = [];
  let length = 0;
  for (const [i, line] of lines.entries()) {
    const reserve = i < lines.length - 1 ? 40 : 0;
    if (length + line.length + 1 + reserve > max) {
      kept.push(andMore(lines.length - i));
      break;
    }
    kept.push(line);
    length += line.length + 1;
  }
  return kept.join('\n');
}

function fields(f: AlertFacts, caps: Caps): SlackTextObject[] {
  // Two spans and a label must fit one field's 2000 characters.
  const v = (value: string | undefined): string => codeSpan(value ?? '', Math.min(caps.value, 900));
  const out: SlackTextObject[] = [];
  const add = (label: string, valueText: string): void => {
    if (valueText) out.push(mrkdwn(truncate(`*${label}*\n${valueText}`, SLACK_LIMITS.field)));
  };
  add('Account', v(f.account.label));
  add('OU path', v(f.account.ouPath));
  add('Actor', v(f.actor));
  add('Target', v(f.target));
  add('Source IP', [v(f.sourceIp), v(f.ipContext)].filter(Boolean).join('\n'));
  add('Event', [v(f.eventName), v(f.eventSource)].filter(Boolean).join('\n'));
  add('Region', v(f.region));
  add('Time', v(f.time));
  add('Error', [v(f.errorCode), v(f.errorMessage?.replace(/\n/g, ' '))].filter(Boolean).join('\n'));
  if (f.suppressed)
    add(
      'Cooldown',
      cooldownSummary(f.suppressed, (s) => codeSpan(s, 64)),
    );
  return out.slice(0, SLACK_LIMITS.fields);
}

/** Rows as `• \`value\` · \`value\``, after the columns' names and what all rows share. */
function rowLines<R>(rows: readonly R[], columns: readonly Column<R>[], more: number, caps: Caps): string[] {
  const { common, varying } = splitColumns(rows, columns);
  const lines: string[] = [];
  if (common.length)
    lines.push(`All: ${common.map((c) => `${c.label} ${codeSpan(c.value, caps.value)}`).join(' · ')}`);
  if (rows.length) lines.push(`_${varying.map((c) => c.label).join(' · ')}_`);
  for (const row of rows)
    lines.push(
      `• ${cells(row, varying)
        .map((c) => codeSpan(c.value, caps.value))
        .join(' · ')}`,
    );
  if (more > 0) lines.push(andMore(more));
  return lines;
}

function correlationBlocks(c: NonNullable<AlertFacts['correlation']>, caps: Caps): SlackBlock[] {
  const v = (s: string): string => codeSpan(s, caps.value);
  const group = groupSummary(c, v);
  const rows = c.events.slice(0, caps.rows);
  const blocks: SlackBlock[] = [
    {
      type: 'section',
      text: mrkdwn(
        withinLimit([
          `*Correlation* ${correlationSummary(c, v)}`,
          ...(group ? [`Group: ${group}`] : []),
          `*Events (${c.events.length + c.more})*`,
          ...rowLines(rows, CORRELATION_COLUMNS, c.events.length - rows.length + c.more, caps),
        ]),
      ),
    },
  ];
  if (c.values.length) {
    const shown = c.values.slice(0, caps.rows);
    const more = c.values.length - shown.length + c.valuesMore;
    blocks.push({
      type: 'section',
      text: mrkdwn(
        withinLimit([
          `*${countedValuesTitle(c)}*`,
          ...shown.map((s) => `• ${v(s)}`),
          ...(more > 0 ? [andMore(more)] : []),
        ]),
      ),
    });
  }
  return blocks;
}

function digestBlock(d: NonNullable<AlertFacts['digest']>, caps: Caps): SlackBlock {
  const rows = d.entries.slice(0, caps.rows);
  return {
    type: 'section',
    text: mrkdwn(
      withinLimit([
        `*Digest* ${digestSummary(d, (s) => codeSpan(s, 64))}`,
        ...rowLines(rows, DIGEST_COLUMNS, d.entries.length - rows.length + d.more, caps),
      ]),
    ),
  };
}

/** The GuardDuty finding's rows (render-guardduty.ts), each value a code span; its console link. */
function guardDutyBlock(g: GuardDutyView, caps: Caps): SlackBlock {
  const lines = g.rows.map(([label, value]) => `*${escapeSlack(label)}* ${codeSpan(value, caps.value)}`);
  // Built from a checked region and finding id (render-guardduty.ts): no `|`, `<` or `>`.
  if (g.consoleUrl) lines.push(`<${g.consoleUrl}|Open the finding in GuardDuty>`);
  if (g.description && caps.block > 0)
    lines.push(`*Description*\n${codeBlock(g.description, Math.min(caps.block, 1500))}`);
  return { type: 'section', text: mrkdwn(withinLimit(['*GuardDuty finding*', ...lines])) };
}

export function renderSlackFromFacts(
  f: AlertFacts,
  caps: Caps,
  shortened: boolean,
  guardDuty?: GuardDutyView,
  hunt?: string,
): SlackMessage {
  const title = escapeSlack(headline(f));
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(title, SLACK_LIMITS.header), emoji: false },
    },
  ];
  if (hunt) blocks.push({ type: 'context', elements: [mrkdwn(`*${escapeSlack(truncate(hunt, 300))}*`)] });
  // The description is the rule's own text (the operator's), not an event value.
  if (f.description)
    blocks.push({ type: 'section', text: mrkdwn(escapeSlack(truncate(f.description, caps.value * 3))) });
  blocks.push({ type: 'section', fields: fields(f, caps) });
  if (f.userAgent)
    blocks.push({ type: 'section', text: mrkdwn(`*User agent*\n${codeSpan(f.userAgent, caps.value)}`) });
  if (guardDuty) blocks.push(guardDutyBlock(guardDuty, caps));
  const links: string[] = [];
  // Validated URLs (links.ts): they contain no `|`, `<` or `>`.
  if (f.attack.length) links.push(`ATT&amp;CK: ${f.attack.map((t) => `<${t.url}|${t.id}>`).join(', ')}`);
  if (f.consoleUrl) links.push(`<${f.consoleUrl}|Open in CloudTrail event history>`);
  if (links.length) blocks.push({ type: 'section', text: mrkdwn(links.join('  ·  ')) });
  if (f.requestParameters && caps.block > 0)
    blocks.push({
      type: 'section',
      text: mrkdwn(`*Request parameters*\n${codeBlock(f.requestParameters, Math.min(caps.block, 2900))}`),
    });
  if (f.correlation && caps.rows > 0) blocks.push(...correlationBlocks(f.correlation, caps));
  if (f.digest && caps.rows > 0) blocks.push(digestBlock(f.digest, caps));
  const context = [`Rule ${codeSpan(f.ruleId, 200)}`, `alert ${codeSpan(f.id, 200)}`];
  if (f.otherTags.length) context.push(escapeSlack(f.otherTags.join(', ')));
  blocks.push({ type: 'context', elements: [mrkdwn(truncate(context.join(' · '), SLACK_LIMITS.field))] });
  if (shortened) blocks.push({ type: 'context', elements: [mrkdwn(shortenedNote('Slack'))] });
  return {
    text: truncate(title, SLACK_LIMITS.text),
    mrkdwn: false,
    unfurl_links: false,
    unfurl_media: false,
    blocks: blocks.slice(0, SLACK_LIMITS.blocks),
  };
}

/** Characters of text in the blocks, the measure Slack's total limit applies to. */
export function slackTextLength(message: SlackMessage): number {
  const texts = message.blocks.flatMap((b) => [b.text, ...(b.fields ?? []), ...(b.elements ?? [])]);
  return texts.reduce((n, t) => n + (t?.text.length ?? 0), 0);
}

/** Slack incoming-webhook payload for an alert, within Slack's limits. */
export function renderSlack(alert: Alert): SlackMessage {
  const facts = alertFacts(alert);
  const guardDuty = guardDutyView(alert);
  return fitToBudget(
    (caps, shortened) => renderSlackFromFacts(facts, caps, shortened, guardDuty, huntNote(alert)),
    slackTextLength,
    SLACK_LIMITS.totalText,
  );
}
