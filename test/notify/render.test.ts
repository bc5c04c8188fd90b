/** Renderers: email, text, Slack, Teams, JSON and SNS state the facts of an alert, with only validated links. */
/* eslint-disable no-control-regex -- these tests look for control characters on purpose. */
import { renderEmail, EMAIL_CSP, SUBJECT_MAX } from '../../src/notify/render-email';
import { renderText } from '../../src/notify/render-text';
import { escapeSlack, renderSlack } from '../../src/notify/render-slack';
import { escapeTeams, renderTeams } from '../../src/notify/render-teams';
import { JSON_SCHEMA_VERSION, renderJson } from '../../src/notify/render-json';
import { renderSns, toAsciiSubject } from '../../src/notify/render-sns';
import { EVENT_ID, sampleAlert, sampleRule } from './fixtures';

const hrefs = (html: string): string[] =>
  [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));

/** The text a reader sees: tags dropped, entities decoded. */
const textOf = (html: string): string =>
  html
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&');

describe('renderEmail', () => {
  const email = renderEmail(sampleAlert());

  it('builds the subject as [LEVEL] title — account (OU)', () => {
    expect(email.subject).toBe(
      '[HIGH] AWS Console Login Without MFA — payments-prod (/Workloads/Production)',
    );
  });

  it('strips CR/LF and controls from the subject and caps its length', () => {
    const long = renderEmail(
      sampleAlert({ rule: sampleRule({ title: `a\r\nBcc: x@y\u0007\u202e${'z'.repeat(500)}` }) }),
    );
    expect(long.subject).not.toMatch(/[\r\n\u0000-\u001f\u202e]/);
    expect(long.subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(long.subject.startsWith('[HIGH] a Bcc: x@y ')).toBe(true);
  });

  it('has the strict CSP, no scripts and no external resources', () => {
    expect(email.html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="${EMAIL_CSP.replace(/'/g, '&#39;')}">`,
    );
    expect(email.html).not.toMatch(/<script|<link|<img|<iframe|@import/i);
  });

  it('links ATT&CK techniques built from the parsed number only', () => {
    const links = hrefs(email.html);
    expect(links).toContain('https://attack.mitre.org/techniques/T1078/004/');
    expect(links).toContain('https://attack.mitre.org/techniques/T1556/');
    expect(links.some((l) => l.includes('T9999'))).toBe(false);
    expect(email.html).toContain('attack.initial-access');
  });

  it('links the CloudTrail event history only for a valid region and event ID', () => {
    expect(hrefs(email.html)).toContain(
      `https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/${EVENT_ID}`,
    );
    for (const bad of [
      { region: 'us-east-1/../x' },
      { region: 'US-EAST-1' },
      { eventID: 'not-a-uuid' },
      { eventID: undefined },
    ]) {
      const html = renderEmail(sampleAlert(bad)).html;
      expect(hrefs(html).some((l) => l.includes('console.aws.amazon.com'))).toBe(false);
    }
  });

  it('shows every fact: level badge, account, OU, actor, IP context, error, time, cooldown', () => {
    const html = renderEmail(
      sampleAlert({ errorCode: 'AccessDenied', errorMessage: 'User is not authorized' }),
    ).html;
    expect(html).toContain('background:#e65100');
    const text = textOf(html);
    for (const fact of [
      'HIGH',
      'payments-prod',
      '444455556666',
      '/Workloads/Production',
      'user/alice',
      '203.0.113.7',
      'VPN · Berlin, Germany (DE) · AS3320 Deutsche Telekom',
      'us-east-1',
      '2026-11-20 10:15:00 UTC',
      'ConsoleLogin',
      'signin.amazonaws.com',
      'AccessDenied',
      'User is not authorized',
      '3 similar alerts suppressed since 2026-11-20 09:00:00 UTC',
      'Detects a console login',
    ]) {
      expect(text).toContain(fact);
    }
    expect(html).not.toContain('unknown account');
    expect(html).toMatch(/<details><summary[^>]*>Show the raw CloudTrail event<\/summary><pre[^>]*>\{/);
  });

  it('labels unknown accounts as unknown, never as "id (id)"', () => {
    const email = renderEmail(
      sampleAlert({ account: { id: '123837392027', name: '123837392027', ouPath: '/', known: false } }),
    );
    expect(textOf(email.html)).toContain('123837392027 (unknown account)');
    expect(textOf(email.html)).not.toContain('123837392027 (123837392027)');
    expect(email.text).toContain('Account: 123837392027 (unknown account)');
    expect(email.subject).toBe('[HIGH] AWS Console Login Without MFA — 123837392027 (unknown account)');
  });

  it('pretty-prints request parameters and truncates them near 4 KB', () => {
    expect(email.html).toContain('&quot;bucketName&quot;: &quot;acme-logs&quot;');
    const big = renderEmail(sampleAlert({ requestParameters: { data: 'x'.repeat(50000) } }));
    const pre = /<h3[^>]*>Request parameters<\/h3><pre[^>]*>([\s\S]*?)<\/pre>/.exec(big.html);
    expect(pre).not.toBeNull();
    expect(pre![1].length).toBeLessThan(4300);
    expect(pre![1]).toContain('truncated');
  });

  it('lists correlated events, capped, with what they share stated once', () => {
    const events = Array.from({ length: 55 }, (_, i) => ({
      eventName: `Event${i}`,
      eventTime: '2026-11-20T10:00:00Z',
      actor: 'user/bob',
    }));
    const html = renderEmail(
      sampleAlert({
        kind: 'correlation',
        correlation: { type: 'event_count', groupBy: { 'userIdentity.arn': 'arn:x' }, value: 55, events },
      }),
    ).html;
    const text = textOf(html);
    expect(text).toContain('Correlated events');
    expect(text).toContain('Event49');
    expect(text).not.toContain('Event50');
    expect(text).toContain('… and 5 more');
    expect(text).toContain('userIdentity.arn = arn:x');
    // Time and actor are the same for all: said once, not on every event.
    expect(text).toContain('Same for all events: Time 2026-11-20 10:00:00 UTC Actor user/bob');
    expect(text.split('user/bob')).toHaveLength(2);
  });

  it('accepts https base URLs for console and rule docs, and rejects others', () => {
    const html = renderEmail(sampleAlert(), {
      consoleBaseUrl: 'https://console.amazonaws-us-gov.com',
      ruleDocsUrl: 'https://github.com/acme/detections/blob/main/',
    }).html;
    expect(hrefs(html)).toContain(
      `https://console.amazonaws-us-gov.com/cloudtrailv2/home?region=us-east-1#/events/${EVENT_ID}`,
    );
    expect(hrefs(html)).toContain(
      'https://github.com/acme/detections/blob/main/rules/sigma/aws_console_login_no_mfa.yml',
    );
    expect(() => renderEmail(sampleAlert(), { consoleBaseUrl: 'http://x.example' })).toThrow(
      /consoleBaseUrl: expected an https URL/,
    );
    expect(() => renderEmail(sampleAlert(), { ruleDocsUrl: 'javascript:alert(1)' })).toThrow(/ruleDocsUrl/);
  });

  it('never throws on malformed values', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const broken = sampleAlert({
      requestParameters: cyclic,
      event: cyclic,
      time: 42 as unknown as string,
      level: 'nope' as never,
    });
    const out = renderEmail(broken);
    expect(out.html).toContain('[circular]');
    expect(out.subject.startsWith('[INFORMATIONAL]')).toBe(true);
  });
});

describe('renderText', () => {
  it('states the same facts as the email, with visible escapes for controls', () => {
    const text = renderText(sampleAlert({ errorMessage: 'bad\u001b[31m\u202e' }));
    for (const fact of [
      'Level: HIGH',
      'Account: payments-prod (444455556666)',
      'OU: /Workloads/Production',
      'Actor: user/alice [IAMUser]',
      'Source IP: 203.0.113.7',
      'IP context: VPN · Berlin',
      'Region: us-east-1',
      'Event: ConsoleLogin (signin.amazonaws.com)',
      'ATT&CK: T1078.004 https://attack.mitre.org/techniques/T1078/004/',
      'Cooldown: 3 similar',
      'Raw event:',
    ]) {
      expect(text).toContain(fact);
    }
    expect(text).toContain('bad\\u001B[31m\\u202E');
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
  });

  it('indents multi-line values so they cannot forge label lines', () => {
    const text = renderText(sampleAlert({ errorMessage: 'x\nLevel: LOW' }));
    expect(text).toContain('\n    Level: LOW');
    expect(text.split('\n').filter((l) => l.startsWith('Level:'))).toEqual(['Level: HIGH']);
  });
});

describe('renderSlack', () => {
  it('escapes mrkdwn and neutralises mentions and links', () => {
    expect(escapeSlack('a & <!channel> <https://x|y> @here')).toBe(
      'a &amp; &lt;!channel&gt; &lt;https://x|y&gt; @\u200bhere',
    );
  });

  it('builds header, fields and validated links', () => {
    const msg = renderSlack(sampleAlert());
    expect(msg.blocks[0]).toEqual({
      type: 'header',
      text: {
        type: 'plain_text',
        text: '[HIGH] AWS Console Login Without MFA — payments-prod (/Workloads/Production)',
        emoji: false,
      },
    });
    const json = JSON.stringify(msg);
    expect(json).toContain(
      `<https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/${EVENT_ID}|Open in CloudTrail event history>`,
    );
    expect(json).toContain('<https://attack.mitre.org/techniques/T1078/004/|T1078.004>');
    const section = msg.blocks.find((b) => b.fields);
    expect(section!.fields!.length).toBeLessThanOrEqual(10);
    expect(section!.fields![0]).toEqual({
      type: 'mrkdwn',
      text: '*Account*\n`payments-prod (444455556666)`',
      verbatim: true,
    });
  });
});

describe('renderTeams', () => {
  it('wraps an Adaptive Card in the message envelope', () => {
    const msg = renderTeams(sampleAlert());
    expect(msg.type).toBe('message');
    expect(msg.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = msg.attachments[0].content;
    expect(card.type).toBe('AdaptiveCard');
    expect(card.actions).toContainEqual({
      type: 'Action.OpenUrl',
      title: 'Open in CloudTrail',
      url: expect.stringContaining(EVENT_ID),
    });
  });

  it('escapes the Markdown subset', () => {
    expect(escapeTeams('[x](https://e.example) *b* _i_ <at>u</at> {{DATE(1)}}')).toBe(
      '\\[x\\](https:\u200b//e.example) \\*b\\* \\_i\\_ \\<at\\>u\\</at\\> {\u200b{DATE(1)}}',
    );
    expect(escapeTeams('- item\n1. first')).toBe('\\- item\n\\1. first');
    // Ordinary values stay readable.
    expect(escapeTeams('arn:aws:iam::444455556666:role/Admin-Role (2026-11-20)')).toBe(
      'arn:aws:iam::444455556666:role/Admin-Role (2026-11-20)',
    );
  });
});

describe('renderJson', () => {
  it('follows the documented schema and includes the event only on request', () => {
    const doc = renderJson(sampleAlert());
    expect(doc).toMatchObject({
      schemaVersion: JSON_SCHEMA_VERSION,
      id: 'a1b2c3d4e5f60718',
      kind: 'event',
      level: 'high',
      rule: {
        id: 'b3f0c9a2-0000-4000-8000-000000000001',
        title: 'AWS Console Login Without MFA',
        tags: expect.arrayContaining(['attack.t1078.004']),
      },
      account: { id: '444455556666', name: 'payments-prod', ouPath: '/Workloads/Production', known: true },
      actor: { type: 'IAMUser', id: 'arn:aws:iam::444455556666:user/alice', display: 'user/alice' },
      time: '2026-11-20T10:15:00Z',
      region: 'us-east-1',
      sourceIPAddress: '203.0.113.7',
      ipContext: { ip: '203.0.113.7', vpn: true, tor: false, country: 'Germany' },
      eventName: 'ConsoleLogin',
      eventSource: 'signin.amazonaws.com',
      eventID: EVENT_ID,
      suppressedSince: { count: 3, since: '2026-11-20T09:00:00Z' },
    });
    expect(doc).not.toHaveProperty('event');
    expect(doc).not.toHaveProperty('errorCode');
    expect(renderJson(sampleAlert(), { includeEvent: true }).event).toMatchObject({
      eventName: 'ConsoleLogin',
    });
  });
});

describe('renderSns', () => {
  it('gives an ASCII subject of at most 100 characters, a compact message and filterable attributes', () => {
    const sns = renderSns(sampleAlert({ rule: sampleRule({ title: `Ünïcödé — ${'long '.repeat(40)}` }) }));
    expect(sns.subject.length).toBeLessThanOrEqual(100);
    expect(sns.subject).toMatch(/^\[HIGH\] Unicode - long/);
    expect(sns.subject).toMatch(/^[\x20-\x7e]+$/);
    expect(sns.message).toContain('Account: payments-prod (444455556666)');
    expect(sns.message).not.toContain('Raw event');
    expect(sns.attributes).toEqual({
      level: { DataType: 'String', StringValue: 'high' },
      ruleId: { DataType: 'String', StringValue: 'b3f0c9a2-0000-4000-8000-000000000001' },
      accountId: { DataType: 'String', StringValue: '444455556666' },
      ouPath: { DataType: 'String', StringValue: '/Workloads/Production' },
      kind: { DataType: 'String', StringValue: 'event' },
    });
  });

  it('never produces an empty subject', () => {
    expect(toAsciiSubject('x\u202ey')).toBe('x?y');
    expect(renderSns(sampleAlert({ rule: sampleRule({ title: '\u202e\u200b' }) })).subject).toBe(
      '[HIGH] (untitled rule) - payments-prod (/Workloads/Production)',
    );
    expect(toAsciiSubject('   ')).toBe('TrailAlerts alert');
  });
});
