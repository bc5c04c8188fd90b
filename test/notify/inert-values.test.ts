/**
 * The phishing payload through every output a person reads (email HTML and text, Slack,
 * Teams, SNS, and the outbox files): the URL and domains are defanged, nothing is live (no mrkdwn
 * formatting, no link, no mention, no emoji), tag characters are shown escaped. The JSON webhook
 * keeps the raw values for machines.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NamedDestination } from '../../src/notify/destination';
import { OutboxNotifier } from '../../src/notify/outbox-notifier';
import { renderEmail } from '../../src/notify/render-email';
import { renderJson } from '../../src/notify/render-json';
import { renderSlack, type SlackMessage } from '../../src/notify/render-slack';
import { renderSns } from '../../src/notify/render-sns';
import { renderTeams } from '../../src/notify/render-teams';
import { renderText } from '../../src/notify/render-text';
import { EVENT_ID } from './fixtures';
import { parseMime } from './mime-parse';
import { phishingAlert } from './scenarios';

const alert = { ...phishingAlert(), region: 'us-east-1', eventID: EVENT_ID };

const TAG_CHARS = /[\u{E0000}-\u{E007F}]/u;
const DEFANGED = 'hxxps://aws-signin-verify[.]com/sso';
/** Anything that would still be live in text a person reads. */
const LIVE = [/https?:\/\/aws-signin-verify/i, /aws-signin-verify\.com/i, /www\.evil\.example/i];
const TRUSTED_LINK =
  /^https:\/\/(attack\.mitre\.org\/techniques\/T\d{4}\/(\d{3}\/)?|us-east-1\.console\.aws\.amazon\.com\/cloudtrailv2\/home\?region=us-east-1#\/events\/[0-9a-f-]{36})$/;

/** All string leaves of a JSON value. */
const strings = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.flatMap(strings)
      : value && typeof value === 'object'
        ? Object.values(value).flatMap(strings)
        : [];

function expectDefanged(text: string): void {
  for (const live of LIVE) expect(text).not.toMatch(live);
  expect(text).not.toMatch(TAG_CHARS);
  // The hidden message is shown, escaped: `\u{E0069}` is the tag character for `i`.
  expect(text).toContain('\\u{E0069}');
}

/** Checks every Slack text object: mrkdwn is verbatim and event text is only inside code. */
function expectInertSlack(msg: SlackMessage): void {
  expect(msg.mrkdwn).toBe(false);
  expect(msg.unfurl_links).toBe(false);
  const objects = msg.blocks.flatMap((b) => [b.text, ...(b.fields ?? []), ...(b.elements ?? [])]);
  let spans = 0;
  for (const o of objects) {
    if (!o) continue;
    if (o.type === 'plain_text') {
      expect(o.emoji).toBe(false);
      continue;
    }
    expect(o.verbatim).toBe(true);
    // Only validated links: `<url|label>` with a trusted URL; any other `<` would be Slack syntax.
    const outside = o.text.replace(/<([^|>]*)\|[^>]*>/g, (_m, url: string) => {
      expect(url).toMatch(TRUSTED_LINK);
      return '';
    });
    expect(outside).not.toContain('<');
    // Outside code blocks and spans nothing of the event remains; spans are balanced on every line.
    const noBlocks = outside.replace(/```[\s\S]*?```/g, '');
    for (const line of noBlocks.split('\n')) expect((line.match(/`/g) ?? []).length % 2).toBe(0);
    spans += (noBlocks.match(/`[^`]+`/g) ?? []).length;
    const prose = noBlocks.replace(/`[^`]*`/g, '');
    for (const live of [
      'ACTION REQUIRED',
      ':rotating_light:',
      '#security-oncall',
      '!here',
      'aws-signin',
      'evil',
    ])
      expect(prose).not.toContain(live);
  }
  expect(spans).toBeGreaterThan(5);
}

describe('the issue 17 phishing payload is inert in every output', () => {
  it('email HTML: defanged, escaped, no link but the validated ones', () => {
    const { html } = renderEmail(alert);
    expectDefanged(html);
    expect(html).toContain(DEFANGED);
    expect(html).toContain('&lt;!here&gt;');
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(href).toMatch(TRUSTED_LINK);
  });

  it('email text part: defanged; the console link stays live', () => {
    const { text } = renderEmail(alert);
    expect(renderText(alert)).toBe(text);
    expectDefanged(text);
    expect(text).toContain(`User agent: *ACTION REQUIRED* :rotating_light: re-authenticate at ${DEFANGED}`);
    expect(text).toContain('Error message:\n    Visit www[.]evil[.]example or aws-signin-verify[.]com');
    expect(text).toContain(`Console: https://us-east-1.console.aws.amazon.com/cloudtrailv2/home`);
    expect(text).toContain('arn:aws:cloudtrail:us-east-1:444455556666:trail/org-trail');
  });

  it('Slack: verbatim mrkdwn, event values in code spans, no formatting, link or mention', () => {
    const msg = renderSlack(alert);
    expectInertSlack(msg);
    expect(JSON.stringify(msg)).toContain(DEFANGED);
    expectDefanged(JSON.stringify(msg).replace(/\\\\/g, '\\'));
    const ua = msg.blocks.find((b) => b.text?.text.startsWith('*User agent*'));
    expect(ua?.text?.text).toMatch(
      /^\*User agent\*\n`\*ACTION REQUIRED\* :rotating_light: .*&lt;!here&gt;.*`$/,
    );
  });

  it('Slack: a backtick in a value cannot close its code span', () => {
    const msg = renderSlack({
      ...alert,
      userAgent: 'a` *bold* <!here> `b',
      target: { key: 'k', label: '```x```' },
    });
    expectInertSlack(msg);
    expect(JSON.stringify(msg)).toContain('`a\u02cb *bold* &lt;!here&gt; \u02cbb`');
  });

  it('Teams: defanged and escaped, only validated actions', () => {
    const msg = renderTeams(alert);
    const card = msg.attachments[0].content;
    const texts = strings(card.body);
    for (const t of texts) {
      for (const live of LIVE) expect(t).not.toMatch(live);
      expect(t).not.toMatch(TAG_CHARS);
    }
    const ua = texts.find((t) => t.includes('ACTION REQUIRED'))!;
    expect(ua).toContain('\\*ACTION REQUIRED\\*');
    expect(ua).toContain('\\<!here\\>');
    expect(ua).toContain('aws-signin-verify\\[.\\]com');
    // The hidden message shows as escapes (the backslash itself escaped for Teams Markdown).
    expect(ua).toContain('\\\\u{E0069}');
    for (const action of (card.actions ?? []) as { url: string }[]) expect(action.url).toMatch(TRUSTED_LINK);
  });

  it('SNS: message defanged, subject ASCII, attributes raw but inert', () => {
    const sns = renderSns(alert);
    expectDefanged(sns.message);
    expect(sns.message).toContain(DEFANGED);
    expect(sns.subject).toMatch(/^[\x20-\x7e]{1,100}$/);
    for (const a of Object.values(sns.attributes)) expect(a.StringValue).not.toMatch(TAG_CHARS);
  });

  it('JSON webhook: raw values for machines, invisible characters still escaped', () => {
    const doc = renderJson(alert);
    const text = JSON.stringify(doc);
    expect(text).toContain('https://aws-signin-verify.com/sso');
    expect(text).not.toMatch(TAG_CHARS);
    expect(doc.target).toEqual({
      key: 'trail:org-trail',
      label: 'trail org-trail (see https://aws-signin-verify.com/trail)',
    });
  });

  describe('outbox files', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'outbox-inert-'));
      const destinations: NamedDestination[] = [
        { name: 'mail', destination: { type: 'email', from: 'a@b.example', to: ['c@d.example'] } },
        { name: 'pager', destination: { type: 'sns', topicArn: 'arn:aws:sns:us-east-1:111122223333:p' } },
        { name: 'slack', destination: { type: 'webhook', format: 'slack', urlSecret: 's' } },
        { name: 'teams', destination: { type: 'webhook', format: 'teams', urlSecret: 't' } },
        { name: 'siem', destination: { type: 'webhook', format: 'json', urlSecret: 'j' } },
      ];
      const outbox = new OutboxNotifier(dir);
      for (const d of destinations) await outbox.send(alert, d);
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });
    const file = async (suffix: string): Promise<string> =>
      readFile(
        join(
          dir,
          (await readdir(dir)).find((f) => f.endsWith(suffix))!,
        ),
        'utf8',
      );

    it('the .eml parts are defanged', async () => {
      const mime = parseMime(await file('-mail.eml'));
      for (const part of mime.parts) {
        expectDefanged(part.body);
        expect(part.body).toContain(DEFANGED);
      }
    });

    it('the SNS, Slack and Teams files are defanged and inert; the JSON body is raw', async () => {
      const sns = JSON.parse(await file('-pager.sns.json')) as { Message: string };
      expectDefanged(sns.Message);
      const slack = await file('-slack.slack.json');
      expectInertSlack(JSON.parse(slack) as SlackMessage);
      expect(slack).toContain(DEFANGED);
      const teams = await file('-teams.teams.json');
      for (const live of LIVE) expect(teams).not.toMatch(live);
      expect(teams).not.toMatch(TAG_CHARS);
      expect(await file('-siem.json')).toContain('https://aws-signin-verify.com/sso');
    });
  });
});
