/**
 * The PagerDuty destination: an Events API v2 `trigger` to PagerDuty's events host only, with a
 * dedup key of rule, account, actor and target (what the cooldown groups), the severity from the
 * level, summary, source, component, custom details naming the account and OU, and a link to
 * the CloudTrail event. The routing key comes from the secret and goes nowhere else: not into an
 * error, not into the outbox.
 */
/* eslint-disable no-control-regex -- these tests look for control characters on purpose. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert } from '../../src/alerts/alert';
import type { NamedDestination } from '../../src/notify/destination';
import { NotificationError } from '../../src/notify/notifier';
import { OutboxNotifier, ROUTING_KEY_REDACTED } from '../../src/notify/outbox-notifier';
import { PagerDutyNotifier, routingKeyFromSecret } from '../../src/notify/pagerduty-notifier';
import { PAGERDUTY_EVENTS_URL, pagerDutyEvent } from '../../src/notify/render-pagerduty';
import type { SecretReader } from '../../src/secrets/secret-reader';
import { EVENT_ID, hostileAlert, sampleAlert } from './fixtures';
import { digestAlert } from './scenarios';

const KEY = 'R0UT1NGKEYr0ut1ngk3y0123456789ab';
const named: NamedDestination = {
  name: 'soc-pager',
  destination: { type: 'pagerduty', routingKeySecret: 'trailalerts/pagerduty' },
};
const noSleep = { sleep: async () => {}, random: () => 0 };

interface Call {
  url: string;
  init: RequestInit;
  body: Record<string, unknown>;
}

function harness(answers: (number | Error)[], secret = KEY) {
  const calls: Call[] = [];
  const forgotten: string[] = [];
  const reads: string[] = [];
  const secrets: SecretReader = {
    read: async (id) => {
      reads.push(id);
      return secret;
    },
    forget: (id) => forgotten.push(id),
  };
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init, body: JSON.parse(String(init.body)) as Record<string, unknown> });
    const answer = answers.shift() ?? 202;
    if (answer instanceof Error) throw answer;
    const ok = answer >= 200 && answer < 300;
    return new Response(
      JSON.stringify(
        ok
          ? { status: 'success', message: 'Event processed', dedup_key: 'x' }
          : { status: 'invalid event', errors: [`echo ${secret}`] },
      ),
      { status: answer },
    );
  }) as unknown as typeof globalThis.fetch;
  const notifier = new PagerDutyNotifier({ secrets, fetch, retry: noSleep });
  return { notifier, calls, forgotten, reads };
}

const CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/;
const strings = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.flatMap(strings)
      : value && typeof value === 'object'
        ? Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)])
        : [];

describe('PagerDuty trigger', () => {
  it('posts to the EU events host for a destination in the EU service region, and only there', async () => {
    const { notifier, calls } = harness([503, 202]);
    const eu: NamedDestination = {
      name: 'soc-pager-eu',
      destination: { type: 'pagerduty', routingKeySecret: 'trailalerts/pagerduty', serviceRegion: 'eu' },
    };
    await notifier.send(sampleAlert(), eu);
    expect(calls.map((c) => c.url)).toEqual([
      'https://events.eu.pagerduty.com/v2/enqueue',
      'https://events.eu.pagerduty.com/v2/enqueue',
    ]);
    expect(calls[0].init).toMatchObject({ method: 'POST', redirect: 'error' });
  });

  it('posts one trigger to the events host over https, with the routing key from the secret', async () => {
    const { notifier, calls, reads } = harness([202]);
    await notifier.send(sampleAlert(), named);
    expect(reads).toEqual(['trailalerts/pagerduty']);
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(PAGERDUTY_EVENTS_URL).toBe(calls[0].url);
    expect(calls[0].init).toMatchObject({ method: 'POST', redirect: 'error' });
    const body = calls[0].body;
    expect(body).toMatchObject({
      routing_key: KEY,
      event_action: 'trigger',
      dedup_key: expect.stringMatching(/^trailalerts-[0-9a-f]{40}$/),
      client: 'TrailAlerts',
      payload: {
        summary: expect.stringContaining('AWS Console Login Without MFA'),
        source: 'payments-prod (444455556666)',
        severity: 'error',
        component: 'signin.amazonaws.com',
        group: '/Workloads/Production',
        class: 'ConsoleLogin',
        timestamp: '2026-11-20T10:15:00.000Z',
        custom_details: expect.objectContaining({
          account_name: 'payments-prod',
          account_id: '444455556666',
          ou_path: '/Workloads/Production',
          event_id: EVENT_ID,
        }),
      },
      links: expect.arrayContaining([
        {
          href: `https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/${EVENT_ID}`,
          text: 'CloudTrail event',
        },
      ]),
    });
    expect(String((body.payload as { summary: string }).summary).length).toBeLessThanOrEqual(1024);
  });

  it('maps each level to a PagerDuty severity', () => {
    const severities = (['informational', 'low', 'medium', 'high', 'critical'] as const).map(
      (level) => pagerDutyEvent(sampleAlert({ level })).payload.severity,
    );
    expect(severities).toEqual(['info', 'info', 'warning', 'error', 'critical']);
  });

  it('dedups on rule, account, actor and target: the same alert twice, one key', () => {
    const key = pagerDutyEvent(sampleAlert()).dedup_key;
    expect(
      pagerDutyEvent(sampleAlert({ id: 'other', time: '2026-11-20T12:00:00Z', eventID: 'e2' })).dedup_key,
    ).toBe(key);
    const changed: Alert[] = [
      sampleAlert({ target: { key: 'arn:aws:s3:::other', label: 'other' } }),
      { ...sampleAlert(), actor: { ...sampleAlert().actor, id: 'arn:aws:iam::444455556666:user/bob' } },
      { ...sampleAlert(), account: { ...sampleAlert().account, id: '666677778888' } },
      { ...sampleAlert(), rule: { ...sampleAlert().rule, id: 'another-rule' } },
    ];
    const keys = new Set([key, ...changed.map((a) => pagerDutyEvent(a).dedup_key)]);
    expect(keys.size).toBe(5);
    for (const k of keys) expect(k.length).toBeLessThanOrEqual(255);
  });

  it('reads the key from a bare secret or JSON {"routingKey"}, and never shows a bad one', () => {
    expect(routingKeyFromSecret('pd', ` ${KEY}\n`)).toBe(KEY);
    expect(routingKeyFromSecret('pd', JSON.stringify({ routingKey: KEY }))).toBe(KEY);
    const bad = 'https://events.pagerduty.com/?key=leaked-secret-value';
    expect(() => routingKeyFromSecret('pagerduty soc', bad)).toThrow(NotificationError);
    try {
      routingKeyFromSecret('pagerduty soc', bad);
    } catch (e) {
      expect((e as Error).message).not.toContain('leaked-secret-value');
    }
  });

  it('retries 429 and 5xx, then delivers', async () => {
    const { notifier, calls } = harness([429, 503, 202]);
    await notifier.send(sampleAlert(), named);
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.body.dedup_key)).size).toBe(1);
  });

  it('fails on a refusal without the key in the error, and reads the secret again next time', async () => {
    const { notifier, forgotten } = harness([400]);
    const error = (await notifier.send(sampleAlert(), named).catch((e: unknown) => e)) as NotificationError;
    expect(error).toBeInstanceOf(NotificationError);
    expect(error.message).toBe('pagerduty soc-pager: answered HTTP 400');
    expect(error.retryable).toBe(false);
    expect(JSON.stringify(error)).not.toContain(KEY);
    expect(forgotten).toEqual(['trailalerts/pagerduty']);
  });

  it('never puts the key into a network failure', async () => {
    const { notifier } = harness([new TypeError(`fetch failed for ${KEY}`), new TypeError('x'), 500, 500]);
    const error = (await notifier.send(sampleAlert(), named).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^pagerduty soc-pager: (answered HTTP 500|request failed \(TypeError\))$/);
    expect(error.message).not.toContain(KEY);
  });

  it('keeps hostile values inert and within PagerDuty limits; links only the validated ones', () => {
    const event = pagerDutyEvent(hostileAlert());
    expect(event.payload.summary.length).toBeLessThanOrEqual(1024);
    expect(event.payload.source.length).toBeLessThanOrEqual(255);
    expect(event.dedup_key).toMatch(/^trailalerts-[0-9a-f]{40}$/);
    for (const s of strings(event)) expect(s).not.toMatch(CONTROLS);
    expect(JSON.stringify(event)).not.toContain('https://evil.example');
    for (const link of event.links ?? []) expect(link.href).toMatch(/^https:\/\/attack\.mitre\.org\//);
  });

  it('says how many targets a digest covers, in one incident per (rule, account, actor)', () => {
    const event = pagerDutyEvent(digestAlert());
    expect(event.payload.summary).toMatch(/\[digest: 30 targets\]$/);
    expect(event.payload.custom_details.digest).toMatchObject({ exact_repeats: 4, targets_not_listed: 10 });
  });
});

describe('the PagerDuty outbox file', () => {
  it('holds the body as sent, the routing key redacted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-outbox-'));
    try {
      const outbox = new OutboxNotifier(dir);
      await outbox.send(sampleAlert(), named);
      expect(outbox.written.map((w) => w.kind)).toEqual(['pagerduty']);
      const [file] = readdirSync(dir);
      expect(file).toMatch(/-soc-pager\.pagerduty\.json$/);
      const text = readFileSync(join(dir, file), 'utf8');
      const body = JSON.parse(text) as Record<string, unknown>;
      expect(body).toEqual({ routing_key: ROUTING_KEY_REDACTED, ...pagerDutyEvent(sampleAlert()) });
      expect(text).not.toContain(KEY);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
