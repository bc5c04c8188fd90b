/**
 * Hunt alerts know they are old: a retro-hunt match carries its hunt id through the matches
 * queue, the processor dedupes it against alerts of any age within ALERTED_EVENT_DAYS (not only
 * the delivery lease's 14 days), and every destination says "found by retro-hunt <id>".
 * Memory state, a clock moved by hand, a recording sender.
 */
import type { Alert, Match } from '../../src/alerts/alert';
import { alertedExpiry, ALERTED_EVENT_DAYS, DEDUPE_TTL_SECONDS } from '../../src/alerts/dedupe';
import { MemoryStateStore } from '../../src/alerts/state/memory-store';
import { renderEmail } from '../../src/notify/render-email';
import { renderSlack } from '../../src/notify/render-slack';
import { renderTeams } from '../../src/notify/render-teams';
import { renderSns } from '../../src/notify/render-sns';
import { renderJson } from '../../src/notify/render-json';
import { pagerDutyEvent } from '../../src/notify/render-pagerduty';
import { asffFinding } from '../../src/notify/render-asff';
import { parseAccountsConfig } from '../../src/org/config';
import { StaticAccountDirectory } from '../../src/org/directory';
import { Analyzer } from '../../src/runtime/analyze';
import { assembleProcessor } from '../../src/runtime/assemble';
import { buildPolicy, type DetectionContent } from '../../src/runtime/build';
import { decodeMatch, encodeMatch, fitMatch } from '../../src/runtime/match-queue';
import { parseRules } from '../../src/sigma/index';

const RULES = `
title: Trail Stopped
id: 0b4f2a6e-1c1d-4a57-9d0e-0c3a1f6d2b11
logsource: { product: aws, service: cloudtrail }
detection:
  sel: { eventSource: cloudtrail.amazonaws.com, eventName: StopLogging }
  condition: sel
level: high
`;

const CONFIG = `
organization: { id: o-testorg0001, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: us-east-1 }
trail: { bucket: trail, accountId: '333333333333' }
destinations:
  soc: { type: email, from: a@example.com, to: [b@example.com] }
organizationalUnits:
  /: { routes: [{ to: [soc] }], cooldownMinutes: 0 }
accounts:
  '444455556666': { name: payments-prod, ou: /Production }
`;

const HUNT = 'hunt-20261207T100000Z-abc123';
const DAY_MS = 86_400_000;

const stop = (id: string, time: string) => ({
  eventVersion: '1.08',
  eventID: id,
  eventTime: time,
  eventSource: 'cloudtrail.amazonaws.com',
  eventName: 'StopLogging',
  awsRegion: 'us-east-1',
  recipientAccountId: '444455556666',
  userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::444455556666:user/mallory`, accountId: '444455556666' },
});

function setup() {
  let nowMs = Date.parse('2026-08-01T10:05:00Z');
  const now = () => new Date(nowMs);
  const bundle = parseRules(RULES, 'rules/test.yml');
  const config = parseAccountsConfig(CONFIG, 'accounts.yaml').config!;
  const content: DetectionContent = { bundle, correlations: [], importedExceptions: [], diagnostics: [] };
  const policy = buildPolicy(config, content);
  const directory = new StaticAccountDirectory(config);
  const sent: Alert[] = [];
  const processor = assembleProcessor(config, content, policy, {
    store: new MemoryStateStore({ now }),
    directory,
    sender: { send: async (alert: Alert) => void sent.push(alert) },
    now,
  });
  const analyzer = new Analyzer({ rules: bundle.rules, policy, directory });
  /** The match as the processor gets it from the queue: live, or marked by a hunt. */
  const run = async (record: Record<string, unknown>, hunt?: string) => {
    const outcomes = [];
    for (const m of await analyzer.analyze({ record, source: { file: 'f', index: 0 } })) {
      if (hunt) m.hunt = { id: hunt };
      outcomes.push(...(await processor.process(decodeMatch(encodeMatch(m)))));
    }
    return outcomes.map((o) => o.kind);
  };
  return { run, sent, advanceDays: (days: number) => (nowMs += days * DAY_MS) };
}

describe('hunt alerts', () => {
  it('a hunt match of an event the live pipeline alerted on more than 14 days ago is a duplicate', async () => {
    const { run, sent, advanceDays } = setup();
    const event = stop('e-live', '2026-08-01T10:00:00Z');
    expect(await run(event)).toEqual(['sent']);
    // Past the delivery lease's memory: before, this would have gone out again.
    advanceDays(DEDUPE_TTL_SECONDS / 86_400 + 16);
    expect(await run(event, HUNT)).toEqual(['duplicate']);
    // A quarter later, a second hunt over the same range: still a duplicate.
    advanceDays(90);
    expect(await run(event, `${HUNT}x`)).toEqual(['duplicate']);
    expect(sent).toHaveLength(1);
    expect(sent[0].hunt).toBeUndefined();
  });

  it('sends what no alert covered yet, marked with the hunt, once however many hunts find it', async () => {
    const { run, sent, advanceDays } = setup();
    advanceDays(60);
    const old = stop('e-old', '2026-08-01T09:00:00Z');
    expect(await run(old, HUNT)).toEqual(['sent']);
    expect(sent[0].hunt).toEqual({ id: HUNT });
    advanceDays(30);
    expect(await run(old, 'hunt-20270106T000000Z-def456')).toEqual(['duplicate']);
    // Replayed live (an old object re-delivered): the same event, the same single alert.
    expect(await run(old)).toEqual(['duplicate']);
    expect(sent).toHaveLength(1);
  });

  it('email, text, Slack and Teams say the alert was found by the retro-hunt, with the event time', async () => {
    const { run, sent, advanceDays } = setup();
    advanceDays(60);
    await run(stop('e-old', '2026-08-01T09:00:00Z'), HUNT);
    const note = `Found by retro-hunt ${HUNT}, not the live pipeline (event time 2026-08-01T09:00:00Z).`;
    const email = renderEmail(sent[0]);
    expect(email.html).toContain(note);
    expect(email.text).toContain(note);
    expect(JSON.stringify(renderSlack(sent[0]))).toContain(HUNT);
    expect(JSON.stringify(renderTeams(sent[0]))).toContain(note);
    // A live alert says nothing of the kind.
    const live = { ...sent[0], hunt: undefined };
    expect(renderEmail(live).text).not.toContain('retro-hunt');
  });

  it('SNS, JSON, PagerDuty and Security Hub say so too; a live alert does not', async () => {
    const { run, sent, advanceDays } = setup();
    advanceDays(60);
    await run(stop('e-old', '2026-08-01T09:00:00Z'), HUNT);
    const note = `Found by retro-hunt ${HUNT}, not the live pipeline (event time 2026-08-01T09:00:00Z).`;
    const hunted = sent[0];
    const live = { ...hunted, hunt: undefined };
    const account = { accountId: '222222222222', region: 'us-east-1' };
    const now = new Date('2026-12-01T00:00:00Z');

    expect(renderSns(hunted).message.split('\n')[2]).toBe(note);
    expect(renderSns(live).message).not.toContain('retro-hunt');
    expect(renderJson(hunted).hunt).toEqual({ id: HUNT });
    expect(renderJson(live)).not.toHaveProperty('hunt');
    const page = pagerDutyEvent(hunted).payload;
    expect(page.summary.startsWith('[retro-hunt] ')).toBe(true);
    expect(page.custom_details.retro_hunt).toBe(note);
    expect(pagerDutyEvent(live).payload.summary).not.toContain('retro-hunt');
    expect(pagerDutyEvent(live).payload.custom_details).not.toHaveProperty('retro_hunt');
    const finding = asffFinding(hunted, account, now);
    expect(finding.ProductFields?.['trailalerts/retroHunt']).toBe(HUNT);
    expect(finding.Description.startsWith(note)).toBe(true);
    expect(asffFinding(live, account, now).ProductFields).not.toHaveProperty(['trailalerts/retroHunt']);
  });
});

describe('the hunt marker on the matches queue', () => {
  const match = (): Match => ({
    rule: { id: 'r1', title: 'T', level: 'high' } as Match['rule'],
    record: stop('e1', '2026-08-01T10:00:00Z') as Match['record'],
    source: { file: 's3://trail/x.json.gz', index: 0 },
    accountId: '444455556666',
    hunt: { id: HUNT },
  });

  it('survives encoding, and trimming of an oversized match', () => {
    expect(decodeMatch(encodeMatch(match())).hunt).toEqual({ id: HUNT });
    const big = match();
    (big.record as Record<string, unknown>).requestParameters = { blob: 'x'.repeat(4000) };
    const fitted = fitMatch(big, 2000);
    if ('problem' in fitted) throw new Error(fitted.problem);
    expect(fitted.truncated).toEqual(['requestParameters']);
    expect(decodeMatch(fitted.body).hunt).toEqual({ id: HUNT });
  });

  it('refuses a hunt marker that is not a hunt id', () => {
    const body = JSON.parse(encodeMatch(match())) as Record<string, unknown>;
    for (const hunt of [{ id: '<script>' }, { id: 7 }, 'hunt-1', null])
      expect(() => decodeMatch(JSON.stringify({ ...body, hunt }))).toThrow('match message: expected hunt.id');
  });
});

describe('alertedExpiry', () => {
  it('keeps an alerted event for the horizon after its event time, and at least the lease TTL from now', () => {
    const now = Date.parse('2026-12-07T00:00:00Z');
    const eventTime = '2026-09-01T00:00:00Z';
    expect(alertedExpiry(eventTime, now)).toBe(Date.parse(eventTime) / 1000 + ALERTED_EVENT_DAYS * 86_400);
    // Older than the horizon, or without a time: remembered as a redelivery would be.
    expect(alertedExpiry('2024-01-01T00:00:00Z', now)).toBe(now / 1000 + DEDUPE_TTL_SECONDS);
    expect(alertedExpiry(undefined, now)).toBe(now / 1000 + DEDUPE_TTL_SECONDS);
    expect(alertedExpiry('not a time', now)).toBe(now / 1000 + DEDUPE_TTL_SECONDS);
  });
});
