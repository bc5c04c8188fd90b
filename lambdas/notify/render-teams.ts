/**
 * Microsoft Teams message: an Adaptive Card (1.4) in the message envelope that Teams workflow
 * (Power Automate) webhooks and incoming webhooks accept. Event-derived text is escaped for the
 * card's Markdown subset (backslash before punctuation, no `{{…}}` date functions, no `<at>`
 * mentions); the only URLs are the validated ATT&CK and CloudTrail console links.
 */
import type { Alert } from '../alerts/alert';
import type { Level } from '../sigma/model';
import { alertFacts, headline, type AlertFacts } from './alert-facts';
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

function facts(f: AlertFacts): { title: string; value: string }[] {
  const out: { title: string; value: string }[] = [];
  const add = (title: string, value: string | undefined): void => {
    if (value) out.push({ title, value: truncate(escapeTeams(value), 2000) });
  };
  add('Account', `${f.account.name} (${f.account.id})${f.account.known ? '' : ' — unknown account'}`);
  add('OU path', f.account.ouPath);
  add('Actor', f.actor);
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
  add('Cooldown', f.suppressed ? `${f.suppressed.count} suppressed since ${f.suppressed.since}` : undefined);
  add('Rule ID', f.ruleId);
  add('Alert ID', f.id);
  return out;
}

export function renderTeamsFromFacts(f: AlertFacts): TeamsMessage {
  const body: Record<string, unknown>[] = [
    {
      type: 'TextBlock',
      text: truncate(escapeTeams(headline(f)), 500),
      weight: 'Bolder',
      size: 'Medium',
      wrap: true,
      color: LEVEL_COLOR[f.level],
    },
  ];
  if (f.description)
    body.push({ type: 'TextBlock', text: truncate(escapeTeams(f.description), 3000), wrap: true });
  body.push({ type: 'FactSet', facts: facts(f) });
  if (f.requestParameters) {
    body.push({ type: 'TextBlock', text: 'Request parameters', weight: 'Bolder', wrap: true });
    // Plain text in a monospace block: markdown is not interpreted in this block.
    body.push({
      type: 'TextBlock',
      text: truncate(escapeTeams(f.requestParameters), 4200),
      fontType: 'Monospace',
      wrap: true,
      size: 'Small',
    });
  }
  if (f.correlation) {
    const c = f.correlation;
    const lines = c.events
      .slice(0, 10)
      .map((e) => `${e.time} ${e.eventName} by ${e.actor} from ${e.sourceIp}`);
    const more = c.events.length + c.more - lines.length;
    body.push({
      type: 'TextBlock',
      text: truncate(
        escapeTeams(
          `Correlation ${c.type}${c.value !== undefined ? ` (${c.value})` : ''}: ${lines.join('; ')}${more > 0 ? `; and ${more} more` : ''}`,
        ),
        3000,
      ),
      wrap: true,
    });
  }
  const actions = [
    ...(f.consoleUrl ? [{ type: 'Action.OpenUrl', title: 'Open in CloudTrail', url: f.consoleUrl }] : []),
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

/** Teams webhook payload for an alert. */
export function renderTeams(alert: Alert): TeamsMessage {
  return renderTeamsFromFacts(alertFacts(alert));
}
