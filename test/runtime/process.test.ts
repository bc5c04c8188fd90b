/**
 * The processor core in isolation: exceptions → dedupe → correlation → cooldown → routing →
 * send, with memory state and a recording sender. Failures must never lose an alert.
 */
import type { Alert } from '../../src/alerts/alert';
import { MemoryStateStore } from '../../src/alerts/state/memory-store';
import type { NamedDestination } from '../../src/notify/destination';
import { parseAccountsConfig } from '../../src/org/config';
import { StaticAccountDirectory } from '../../src/org/directory';
import { Analyzer } from '../../src/runtime/analyze';
import { assembleProcessor } from '../../src/runtime/assemble';
import type { DetectionContent } from '../../src/runtime/build';
import { buildPolicy } from '../../src/runtime/build';
import { parseRules } from '../../src/sigma/index';

const RULES = `
title: Trail Stopped
id: 0b4f2a6e-1c1d-4a57-9d0e-0c3a1f6d2b11
logsource: { product: aws, service: cloudtrail }
detection:
  sel: { eventSource: cloudtrail.amazonaws.com, eventName: StopLogging }
  condition: sel
level: high
---
title: Secret Read
id: 7a0c1e55-3d52-4f0b-8f5e-6b2f4f7c9a01
name: secret_read
logsource: { product: aws, service: cloudtrail }
detection:
  sel: { eventSource: secretsmanager.amazonaws.com, eventName: GetSecretValue }
  condition: sel
level: low
---
title: Secrets Listed
id: 5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e44
logsource: { product: aws, service: cloudtrail }
detection:
  sel: { eventSource: secretsmanager.amazonaws.com, eventName: ListSecrets }
  condition: sel
level: low
---
title: Many Secrets
id: 2f6f3f1c-8d7e-4b8e-9a61-5e2b9d7c4e22
correlation:
  type: value_count
  rules: [secret_read]
  group-by: [userIdentity.arn]
  timespan: 10m
  condition: { gte: 3, field: requestParameters.secretId }
level: critical
---
title: Automation Is Fine
filter:
  rules: [Trail Stopped]
  selection:
    userIdentity.arn|contains: ':assumed-role/automation/'
  condition: not selection
logsource: { product: aws, service: cloudtrail }
`;

const CONFIG = `
organization: { id: o-testorg0001, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: us-east-1 }
trail: { bucket: trail, accountId: '333333333333' }
destinations:
  soc: { type: email, from: a@example.com, to: [b@example.com] }
  pager: { type: sns, topicArn: 'arn:aws:sns:us-east-1:222222222222:pager' }
exceptions:
  - { rule: Trail Stopped, actors: ['arn:aws:iam::444455556666:role/BreakGlass'], reason: incidents only }
  - { rule: Trail Stopped, actors: ['arn:aws:iam::444455556666:role/Migration'], reason: migration, expires: '2026-11-20T12:00:00Z' }
organizationalUnits:
  /: { routes: [{ to: [soc], minLevel: medium }, { to: [pager], minLevel: critical }], cooldownMinutes: 60 }
accounts:
  '444455556666': { name: payments-prod, ou: /Production }
`;

function event(
  id: string,
  name: string,
  role: string,
  extra: Record<string, unknown> = {},
  time = '2026-11-20T10:00:00Z',
) {
  const source = name === 'StopLogging' ? 'cloudtrail.amazonaws.com' : 'secretsmanager.amazonaws.com';
  return {
    eventID: id,
    eventTime: time,
    eventSource: source,
    eventName: name,
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    recipientAccountId: '444455556666',
    userIdentity: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::444455556666:assumed-role/${role}/s1`,
      accountId: '444455556666',
      sessionContext: {
        sessionIssuer: { type: 'Role', arn: `arn:aws:iam::444455556666:role/${role}`, userName: role },
      },
    },
    ...extra,
  };
}

function setup(failSends = 0, failWhen: (a: Alert) => boolean = () => true, now?: () => Date) {
  const bundle = parseRules(RULES, 'rules/test.yml');
  expect(bundle.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const parsed = parseAccountsConfig(CONFIG, 'accounts.yaml');
  expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const config = parsed.config!;
  const content: DetectionContent = {
    bundle,
    correlations: bundle.correlations,
    importedExceptions: [],
    diagnostics: [],
  };
  const policy = buildPolicy(config, content);
  const directory = new StaticAccountDirectory(config);
  const sent: { alert: Alert; to: string }[] = [];
  let failures = failSends;
  const sender = {
    async send(alert: Alert, d: NamedDestination) {
      if (failures > 0 && failWhen(alert)) {
        failures--;
        throw new Error('SES throttled');
      }
      sent.push({ alert, to: d.name });
    },
  };
  const processor = assembleProcessor(config, content, policy, {
    store: new MemoryStateStore({ now }),
    directory,
    sender,
    now,
  });
  const analyzer = new Analyzer({ rules: bundle.rules, policy, directory });
  const run = async (record: Record<string, unknown>, index = 0) => {
    const outcomes = [];
    for (const m of await analyzer.analyze({ record, source: { file: 'f', index } }))
      outcomes.push(...(await processor.process(m)));
    return outcomes;
  };
  return { run, sent, processor };
}

describe('AlertProcessor', () => {
  it('sends an alert with the account name and OU path, routed by level', async () => {
    const { run, sent } = setup();
    const outcomes = await run(event('e1', 'StopLogging', 'Admin'));
    expect(outcomes.map((o) => o.kind)).toEqual(['sent']);
    expect(sent.map((s) => s.to)).toEqual(['soc']);
    expect(sent[0].alert.account).toMatchObject({
      name: 'payments-prod',
      ouPath: '/Production',
      known: true,
    });
    expect(sent[0].alert.actor.roleArn).toBe('arn:aws:iam::444455556666:role/Admin');
  });

  it('excepts a role session through the role ARN, and applies Sigma filters as exceptions', async () => {
    const { run, sent, processor } = setup();
    const byBreakGlass = await run(event('e2', 'StopLogging', 'BreakGlass'));
    expect(byBreakGlass[0]).toMatchObject({
      kind: 'excepted',
      exception: expect.stringMatching(/incidents only/),
    });
    const byAutomation = await run(event('e3', 'StopLogging', 'automation'));
    expect(byAutomation[0]).toMatchObject({
      kind: 'excepted',
      exception: expect.stringMatching(/Automation Is Fine/),
    });
    expect(sent).toHaveLength(0);
    expect(processor.counters.excepted).toBe(2);
  });

  it("judges an exception's expiry at the event's time, not when it is processed (replay, hunt)", async () => {
    // Processed a day after the exception expired (12:00).
    const { run, sent } = setup(0, undefined, () => new Date('2026-11-21T12:00:00Z'));
    const before = await run(event('x1', 'StopLogging', 'Migration', {}, '2026-11-20T11:59:59Z'));
    expect(before[0]).toMatchObject({ kind: 'excepted', exception: expect.stringMatching(/migration/) });
    const after = await run(event('x2', 'StopLogging', 'Migration', {}, '2026-11-20T12:00:00Z'));
    expect(after.map((o) => o.kind)).toEqual(['sent']);
    expect(sent.map((s) => s.alert.eventID)).toEqual(['x2']);
  });

  it('alerts once for an event delivered twice', async () => {
    const { run, sent, processor } = setup();
    await run(event('e4', 'StopLogging', 'Admin'));
    const again = await run(event('e4', 'StopLogging', 'Admin'));
    expect(again.map((o) => o.kind)).toEqual(['duplicate']);
    expect(sent).toHaveLength(1);
    expect(processor.counters.duplicate).toBe(1);
  });

  it('counts an exact repeat per (rule, account, actor, target) and says how many in the next alert', async () => {
    const { run, sent } = setup();
    const trail = { requestParameters: { name: 'org-trail' } };
    await run(event('c1', 'StopLogging', 'Admin', trail, '2026-11-20T10:00:00Z'));
    const second = await run(event('c2', 'StopLogging', 'Admin', trail, '2026-11-20T10:20:00Z'));
    expect(second[0].kind).toBe('suppressed');
    // Another actor is not held back by the first one's window, nor is another trail (high: alone).
    expect((await run(event('c3', 'StopLogging', 'Other', trail, '2026-11-20T10:21:00Z')))[0].kind).toBe(
      'sent',
    );
    const other = { requestParameters: { name: 'audit-trail' } };
    expect((await run(event('c5', 'StopLogging', 'Admin', other, '2026-11-20T10:22:00Z')))[0].kind).toBe(
      'sent',
    );
    // The next alert of the key that goes out says how many repeats were counted.
    expect(sent.find((s) => s.alert.eventID === 'c5')?.alert.digest).toMatchObject({
      repeats: 1,
      entries: [],
    });
    const later = await run(event('c4', 'StopLogging', 'Admin', trail, '2026-11-20T11:30:00Z'));
    expect(later[0].kind).toBe('sent');
    expect(later[0].alert.digest).toBeUndefined();
  });

  it('counts an alert no route takes as unrouted (never silently dropped)', async () => {
    const { run, processor } = setup();
    const outcomes = await run(event('s1', 'ListSecrets', 'Reader'));
    expect(outcomes.map((o) => o.kind)).toEqual(['unrouted']);
    expect(processor.counters.unrouted).toBe(1);
  });

  it('raises a correlation alert that lists its events, routed by its own level', async () => {
    const { run, sent } = setup();
    for (const [i, id] of ['a', 'b', 'c'].entries()) {
      await run(
        event(
          `v${i}`,
          'GetSecretValue',
          'Reader',
          { requestParameters: { secretId: id } },
          `2026-11-20T10:0${i}:00Z`,
        ),
      );
    }
    const correlation = sent.filter((s) => s.alert.kind === 'correlation');
    expect(correlation.map((s) => s.to).sort()).toEqual(['pager', 'soc']);
    expect(correlation[0].alert.level).toBe('critical');
    expect(correlation[0].alert.correlation?.events.map((e) => e.eventID)).toEqual(['v0', 'v1', 'v2']);
    // The distinct values the value_count counted, for the alert to list.
    expect(correlation[0].alert.correlation?.values).toEqual(['a', 'b', 'c']);
  });

  it('a failed send is rethrown for retry, and the retry sends the alert exactly once', async () => {
    const { run, sent } = setup(1);
    await expect(run(event('f1', 'StopLogging', 'Admin'))).rejects.toThrow(/sends failed/);
    expect(sent).toHaveLength(0);
    const retry = await run(event('f1', 'StopLogging', 'Admin'));
    expect(retry.map((o) => o.kind)).toEqual(['sent']);
    expect(sent).toHaveLength(1);
    expect((await run(event('f1', 'StopLogging', 'Admin'))).map((o) => o.kind)).toEqual(['duplicate']);
  });

  it('a failed correlation send is retried with its match: the correlation alert goes out once', async () => {
    const { run, sent } = setup(1, (a) => a.kind === 'correlation');
    await run(
      event(
        'w0',
        'GetSecretValue',
        'Reader',
        { requestParameters: { secretId: 'a' } },
        '2026-11-20T10:00:00Z',
      ),
    );
    await run(
      event(
        'w1',
        'GetSecretValue',
        'Reader',
        { requestParameters: { secretId: 'b' } },
        '2026-11-20T10:01:00Z',
      ),
    );
    const third = event(
      'w2',
      'GetSecretValue',
      'Reader',
      { requestParameters: { secretId: 'c' } },
      '2026-11-20T10:02:00Z',
    );
    // soc fails, pager succeeds: the retry serves soc only (delivery receipts), nothing twice.
    await expect(run(third)).rejects.toThrow(/sends failed/);
    expect(sent.filter((s) => s.alert.kind === 'correlation').map((s) => s.to)).toEqual(['pager']);
    await run(third);
    expect(
      sent
        .filter((s) => s.alert.kind === 'correlation')
        .map((s) => s.to)
        .sort(),
    ).toEqual(['pager', 'soc']);
    await run(third);
    expect(sent.filter((s) => s.alert.kind === 'correlation')).toHaveLength(2);
  });
});

describe('Analyzer account cache', () => {
  it('asks the directory again after accountCacheMs, so an account moved to another OU gets its new rule set', async () => {
    const bundle = parseRules(RULES, 'rules/test.yml');
    const config = parseAccountsConfig(CONFIG, 'accounts.yaml').config!;
    const content: DetectionContent = {
      bundle,
      correlations: bundle.correlations,
      importedExceptions: [],
      diagnostics: [],
    };
    const policy = buildPolicy(config, content);
    const inner = new StaticAccountDirectory(config);
    let lookups = 0;
    const directory = { resolve: (id: string) => (lookups++, inner.resolve(id)) };
    let clock = 0;
    const analyzer = new Analyzer({
      rules: bundle.rules,
      policy,
      directory,
      accountCacheMs: 1000,
      now: () => clock,
    });
    const record = event('a1', 'StopLogging', 'Admin');
    for (let i = 0; i < 3000; i++) await analyzer.analyze({ record, source: { file: 'f', index: i } });
    expect(lookups).toBe(1);
    clock = 5000;
    for (let i = 0; i < 2048; i++) await analyzer.analyze({ record, source: { file: 'f', index: i } });
    expect(lookups).toBe(2);
  });
});
