/**
 * Slack message (Block Kit) for incoming webhooks. Every event-derived value is mrkdwn-escaped
 * (`&`, `<`, `>`), so no `<!channel>` mention or `<url|text>` link can be formed from event text,
 * and bare `@channel`/`@here`/`@everyone` are broken with a zero-width space. The only links are
 * the validated ATT&CK and CloudTrail console URLs.
 */
import type { Alert } from '../alerts/alert';
import { alertFacts, headline, type AlertFacts } from './alert-facts';
import { truncate } from './sanitize';

export interface SlackTextObject {
  type: 'mrkdwn' | 'plain_text';
  text: string;
}

export interface SlackBlock {
  type: 'header' | 'section' | 'context' | 'divider';
  text?: SlackTextObject;
  fields?: SlackTextObject[];
  elements?: SlackTextObject[];
}

export interface SlackMessage {
  /** Notification fallback text. */
  text: string;
  blocks: SlackBlock[];
}

/** Escapes text for Slack mrkdwn and neutralises broadcast mentions. */
export function escapeSlack(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(channel|here|everyone)\b/gi, '@\u200b$1');
}

/** Text for inside a ``` code block: escaped, and no ``` sequence can close the block early. */
const codeBlock = (text: string, max: number): string =>
  '```' + truncate(escapeSlack(text).replace(/`/g, '\u02cb'), max - 6) + '```';

const mrkdwn = (text: string, max = 3000): SlackTextObject => ({ type: 'mrkdwn', text: truncate(text, max) });

function fields(f: AlertFacts): SlackTextObject[] {
  const out: SlackTextObject[] = [];
  const add = (label: string, value: string | undefined): void => {
    if (value) out.push(mrkdwn(`*${label}*\n${escapeSlack(value)}`, 2000));
  };
  add('Account', `${f.account.name} (${f.account.id})${f.account.known ? '' : ' — unknown account'}`);
  add('OU path', f.account.ouPath);
  add('Actor', f.actor);
  add('Source IP', f.ipContext ? `${f.sourceIp ?? ''} — ${f.ipContext}` : f.sourceIp);
  add(
    'Event',
    f.eventName && f.eventSource ? `${f.eventName} (${f.eventSource})` : (f.eventName ?? f.eventSource),
  );
  add('Region', f.region);
  add('Time', f.time);
  add('Error', f.errorCode ? `${f.errorCode}${f.errorMessage ? `: ${f.errorMessage}` : ''}` : undefined);
  add('User agent', f.userAgent);
  add('Cooldown', f.suppressed ? `${f.suppressed.count} suppressed since ${f.suppressed.since}` : undefined);
  return out.slice(0, 10);
}

export function renderSlackFromFacts(f: AlertFacts): SlackMessage {
  const title = escapeSlack(headline(f));
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: truncate(title, 150) } }];
  if (f.description) blocks.push({ type: 'section', text: mrkdwn(escapeSlack(f.description)) });
  blocks.push({ type: 'section', fields: fields(f) });
  const links: string[] = [];
  // Validated URLs (links.ts): they contain no `|`, `<` or `>`.
  if (f.attack.length) links.push(`ATT&amp;CK: ${f.attack.map((t) => `<${t.url}|${t.id}>`).join(', ')}`);
  if (f.consoleUrl) links.push(`<${f.consoleUrl}|Open in CloudTrail event history>`);
  if (links.length) blocks.push({ type: 'section', text: mrkdwn(links.join('  ·  ')) });
  if (f.requestParameters)
    blocks.push({
      type: 'section',
      text: mrkdwn(`*Request parameters*\n${codeBlock(f.requestParameters, 2900)}`),
    });
  if (f.correlation) {
    const c = f.correlation;
    const lines = c.events
      .slice(0, 10)
      .map((e) => `• ${escapeSlack(`${e.time} ${e.eventName} by ${e.actor} from ${e.sourceIp}`)}`);
    if (c.events.length + c.more > lines.length)
      lines.push(`… and ${c.events.length + c.more - lines.length} more`);
    const group = c.groupBy.map(([k, v]) => `${k}=${v}`).join(', ');
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `*Correlation* ${escapeSlack(`${c.type}${c.value !== undefined ? ` (${c.value})` : ''}${group ? ` — ${group}` : ''}`)}\n${lines.join('\n')}`,
      ),
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(
        escapeSlack(
          `Rule ${f.ruleId} · alert ${f.id}${f.otherTags.length ? ` · ${f.otherTags.join(', ')}` : ''}`,
        ),
        2000,
      ),
    ],
  });
  return { text: truncate(title, 3000), blocks };
}

/** Slack incoming-webhook payload for an alert. */
export function renderSlack(alert: Alert): SlackMessage {
  return renderSlackFromFacts(alertFacts(alert));
}
