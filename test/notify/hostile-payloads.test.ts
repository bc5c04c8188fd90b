/**
 * Hostile event values across every output: text, email HTML, Slack, Teams, JSON, SNS and .eml.
 * Mentions are neutralised, markup is escaped, no header can be injected, JSON stays valid.
 */
/* eslint-disable no-control-regex -- these tests look for control characters on purpose. */
import { renderEmail } from '../../src/notify/render-email';
import { renderJson, renderJsonText } from '../../src/notify/render-json';
import { renderSlack } from '../../src/notify/render-slack';
import { renderSns } from '../../src/notify/render-sns';
import { renderTeams } from '../../src/notify/render-teams';
import { renderText } from '../../src/notify/render-text';
import { buildMime } from '../../src/notify/mime';
import { hostileAlert, PAYLOADS } from './fixtures';
import { decodeWords, parseMime } from './mime-parse';

const alert = hostileAlert();
const CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/;

/** All string leaves of a JSON value. */
const strings = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.flatMap(strings)
      : value && typeof value === 'object'
        ? Object.values(value).flatMap(strings)
        : [];

describe('hostile payloads', () => {
  it('email HTML: no live markup, only validated links', () => {
    const { html, subject } = renderEmail(alert);
    expect(html).not.toMatch(/<(script|svg|iframe|img|style)\b/i);
    // Every `<` in event text is escaped, so any tag left is ours: none has an event handler.
    expect(html).not.toMatch(/<[^>]*\son\w+\s*=/i);
    expect(html).not.toMatch(/<\/details><iframe/);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs)
      expect(href).toMatch(/^https:\/\/attack\.mitre\.org\/techniques\/T\d{4}\/(\d{3}\/)?$/);
    // Invalid region and event ID: no console link at all.
    expect(html).not.toContain('console.aws.amazon.com');
    expect(html).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(html).toContain('invoice\\u202Egpj.exe');
    expect(html.length).toBeLessThan(400_000);
    expect(subject).not.toMatch(/[\r\n]/);
  });

  it('text: controls and bidi overrides are visible escapes', () => {
    const text = renderText(alert);
    expect(text).not.toMatch(CONTROLS);
    expect(text).toContain('\\u000D\\u000ABcc: victim@evil.example');
    expect(text).toContain('<script>window.__pwned=1</script>');
  });

  it('Slack: no mention, link or broadcast can be formed from event text', () => {
    const msg = renderSlack(alert);
    const texts = strings(msg);
    for (const t of texts) {
      expect(t).not.toMatch(/<!(channel|here|everyone)/);
      expect(t).not.toMatch(/<@U/);
      expect(t).not.toMatch(/<https:\/\/evil/);
      expect(t).not.toMatch(/(^|[^\u200b])@(here|channel|everyone)\b/);
      // Every `<` that remains opens a validated link.
      for (const m of t.matchAll(/<([^>]*)>/g))
        expect(m[1]).toMatch(/^https:\/\/attack\.mitre\.org\/techniques\/T\d{4}\/(\d{3}\/)?\|T[\d.]+$/);
    }
    expect(JSON.stringify(msg)).toContain('&lt;!channel&gt;');
    const header = msg.blocks[0].text!.text;
    expect(header.length).toBeLessThanOrEqual(150);
  });

  it('Teams: markdown links, mentions and date functions are escaped; actions only validated URLs', () => {
    const msg = renderTeams(alert);
    const card = msg.attachments[0].content;
    for (const t of strings(card.body)) {
      expect(t).not.toMatch(/(^|[^\\])\[click(\\)?\]\(/);
      expect(t).not.toMatch(/(^|[^\\])<at>/);
      expect(t).not.toMatch(/(^|[^\\])\{\{DATE/);
      expect(t).not.toMatch(/https:\/\/evil/);
    }
    for (const action of (card.actions ?? []) as { url: string }[])
      expect(action.url).toMatch(/^https:\/\/attack\.mitre\.org\//);
  });

  it('JSON: valid, controls escaped, event only on request', () => {
    const text = renderJsonText(alert);
    const doc = JSON.parse(text) as Record<string, unknown>;
    expect(doc.event).toBeUndefined();
    for (const s of strings(doc)) expect(s).not.toMatch(CONTROLS);
    expect(doc.consoleUrl).toBeUndefined();
    expect((doc.correlation as { events: unknown[]; eventsOmitted: number }).eventsOmitted).toBe(10);
    const withEvent = renderJson(alert, { includeEvent: true });
    expect(JSON.parse(JSON.stringify(withEvent))).toEqual(withEvent);
  });

  it('SNS: ASCII subject without line breaks, attributes without controls', () => {
    const sns = renderSns(alert);
    expect(sns.subject).toMatch(/^[\x20-\x7e]{1,100}$/);
    for (const a of Object.values(sns.attributes)) {
      expect(a.StringValue).not.toMatch(CONTROLS);
      expect(a.StringValue.length).toBeGreaterThan(0);
    }
    expect(sns.attributes.accountId.StringValue).toBe('123456789012\\u000D\\u000AX: y');
  });

  it('.eml: no header injection through the subject', () => {
    const email = renderEmail(alert);
    const eml = buildMime({
      from: 'a@b.example',
      to: ['c@d.example'],
      subject: email.subject,
      text: email.text,
      html: email.html,
    });
    const mime = parseMime(eml);
    expect(mime.headers.map(([n]) => n.toLowerCase()).sort()).toEqual([
      'content-type',
      'date',
      'from',
      'message-id',
      'mime-version',
      'subject',
      'to',
    ]);
    const subject = decodeWords(mime.header('Subject')!);
    expect(subject).toContain('Bcc: victim@evil.example');
    expect(subject).not.toMatch(/[\r\n]/);
    expect(mime.parts[1].body).toBe(email.html);
  });

  it('very long values are capped everywhere', () => {
    const long = PAYLOADS.long;
    const text = renderText(alert);
    expect(text.slice(0, text.indexOf('\nRaw event:'))).not.toContain(long);
    // Only the raw event (collapsed, capped at 64 KB) may hold the whole value.
    const html = renderEmail(alert).html;
    const rawStart = html.indexOf('Show the raw CloudTrail event');
    expect(html.slice(0, rawStart)).not.toContain(long);
    expect(html.length - rawStart).toBeLessThan(70_000);
    expect(JSON.stringify(renderSlack(alert))).not.toContain(long);
    expect(JSON.stringify(renderTeams(alert))).not.toContain(long);
    expect(renderSns(alert).message.length).toBeLessThanOrEqual(16000);
  });
});
