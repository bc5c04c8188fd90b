/**
 * The Security Hub destination: every finding carries the ASFF required attributes within their
 * documented limits, is imported into the security account under its default product, names the
 * affected account, OU, actor and target, and keeps one Id per (rule, account, actor, target), so
 * a repeat updates the finding instead of adding one. Through the real processor with
 * BatchImportFindings mocked (aws-sdk-client-mock): excepted alerts import nothing, and
 * FailedFindings fail the send (transient codes are tried again first).
 */
import {
  BatchImportFindingsCommand,
  SecurityHubClient,
  type AwsSecurityFinding,
} from '@aws-sdk/client-securityhub';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { AlertOutcome } from '../../src/alerts/alert';
import { MemoryStateStore } from '../../src/alerts/state/memory-store';
import { ASFF_REQUIRED, asffProblems, type AsffFinding } from '../../src/notify/asff';
import type { NamedDestination } from '../../src/notify/destination';
import { createAwsDispatcher } from '../../src/notify/dispatcher';
import { NotificationError } from '../../src/notify/notifier';
import { asffFinding, productArn } from '../../src/notify/render-asff';
import { SecurityHubImporter } from '../../src/notify/securityhub-client';
import {
  IMPORT_BATCH_LIMIT,
  SecurityHubNotifier,
  importFindings,
  type FindingsImporter,
} from '../../src/notify/securityhub-notifier';
import { parseAccountsConfig } from '../../src/org/config';
import { StaticAccountDirectory } from '../../src/org/directory';
import { Analyzer } from '../../src/runtime/analyze';
import { assembleProcessor, findingsAccountOf } from '../../src/runtime/assemble';
import { buildPolicy, type DetectionContent } from '../../src/runtime/build';
import { StoredFindingTimes } from '../../src/runtime/finding-times';
import { parseRules } from '../../src/sigma/index';
import { EVENT_ID, hostileAlert, sampleAlert } from './fixtures';
import { digestAlert, harvestAlert, multibyteCorrelation, phishingAlert } from './scenarios';

/*
 * The required top-level attributes, as listed in "Required top-level ASFF attributes"
 * (https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html) and
 * marked "Required: Yes" in the AwsSecurityFinding API reference
 * (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_AwsSecurityFinding.html).
 * Written out here, not imported, so a field dropped from src/notify/asff.ts fails this test.
 */
const REQUIRED = [
  'AwsAccountId',
  'CreatedAt',
  'Description',
  'GeneratorId',
  'Id',
  'ProductArn',
  'Resources',
  'SchemaVersion',
  'Severity',
  'Title',
  'Types',
  'UpdatedAt',
];
/** The five namespaces of finding types (namespace/category/classifier). */
const TYPE_NAMESPACES = [
  'Software and Configuration Checks',
  'TTPs',
  'Effects',
  'Unusual Behaviors',
  'Sensitive Data Identifications',
];
const SECURITY = { accountId: '222222222222', region: 'us-east-1' };
const NOW = new Date('2026-11-20T11:00:00Z');
/** Control and bidi characters; a newline only separates the rows of a multi-line field. */
// eslint-disable-next-line no-control-regex -- looking for control characters on purpose
const CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/;

const strings = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.flatMap(strings)
      : value && typeof value === 'object'
        ? Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)])
        : [];

/** Every documented constraint of the fields written, checked independently of asffProblems. */
function expectValidFinding(f: AsffFinding): void {
  for (const key of REQUIRED) {
    expect({ key, present: (f as unknown as Record<string, unknown>)[key] !== undefined }).toEqual({
      key,
      present: true,
    });
  }
  expect(asffProblems(f)).toEqual([]);
  expect(f.SchemaVersion).toBe('2018-10-08');
  expect(f.AwsAccountId).toBe(SECURITY.accountId);
  expect(f.ProductArn).toBe('arn:aws:securityhub:us-east-1:222222222222:product/222222222222/default');
  expect(f.Id.length).toBeLessThanOrEqual(512);
  expect(f.GeneratorId.length).toBeGreaterThan(0);
  expect(f.GeneratorId.length).toBeLessThanOrEqual(512);
  expect(f.Title.length).toBeLessThanOrEqual(256);
  expect(f.Description.length).toBeLessThanOrEqual(1024);
  expect(f.Types.length).toBeGreaterThan(0);
  for (const t of f.Types) expect(TYPE_NAMESPACES).toContain(t.split('/')[0]);
  expect(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']).toContain(f.Severity.Label);
  for (const ts of [f.CreatedAt, f.UpdatedAt, f.FirstObservedAt, f.LastObservedAt])
    expect(ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  expect(f.UpdatedAt >= f.CreatedAt).toBe(true);
  expect(f.Resources.length).toBeGreaterThan(0);
  expect(f.Resources.length).toBeLessThanOrEqual(32);
  const fields = Object.entries(f.ProductFields ?? {});
  expect(fields.length).toBeLessThanOrEqual(50);
  for (const [k, v] of fields) {
    expect(k.length).toBeLessThanOrEqual(128);
    expect(v.length).toBeLessThanOrEqual(2048);
  }
  // The documented maximum size of one finding.
  expect(Buffer.byteLength(JSON.stringify(f))).toBeLessThan(240 * 1024);
}

describe('ASFF findings', () => {
  it('lists the same required attributes as the AWS documentation', () => {
    expect([...ASFF_REQUIRED].sort()).toEqual(REQUIRED);
  });

  it.each([
    ['an event alert', sampleAlert()],
    ['a phishing alert', phishingAlert()],
    ['a credential-harvest alert', harvestAlert()],
    ['a digest sent alone', digestAlert()],
    ['a correlation with long multi-byte values', multibyteCorrelation()],
    ['an alert whose every event value is hostile', hostileAlert()],
  ])('%s gives a finding with every required attribute, within the limits', (_name, alert) => {
    expectValidFinding(asffFinding(alert, SECURITY, NOW));
  });

  it('puts the affected account, its OU, the actor and the target in Resources and ProductFields', () => {
    const alert = sampleAlert({ target: { key: 'arn:aws:s3:::acme-logs', label: 'bucket acme-logs' } });
    const f = asffFinding(alert, SECURITY, NOW);
    expect(f.GeneratorId).toBe(alert.rule.id);
    expect(f.Severity).toEqual({ Label: 'HIGH', Original: 'high' });
    expect(f.FindingProviderFields).toEqual({ Severity: f.Severity, Types: ['TTPs/Initial Access'] });
    expect(f.SourceUrl).toBe(
      `https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/${EVENT_ID}`,
    );
    expect(f.Resources).toEqual([
      expect.objectContaining({
        Type: 'AwsAccount',
        Id: 'AWS::::Account:444455556666',
        Details: {
          Other: expect.objectContaining({ name: 'payments-prod', ouPath: '/Workloads/Production' }),
        },
      }),
      expect.objectContaining({
        Id: 'arn:aws:iam::444455556666:user/alice',
        Details: { Other: expect.objectContaining({ role: 'actor', userName: 'alice' }) },
      }),
      expect.objectContaining({
        Id: 'arn:aws:s3:::acme-logs',
        Details: { Other: expect.objectContaining({ role: 'target', label: 'bucket acme-logs' }) },
      }),
    ]);
    expect(f.ProductFields).toMatchObject({
      'trailalerts/accountId': '444455556666',
      'trailalerts/accountName': 'payments-prod',
      'trailalerts/ouPath': '/Workloads/Production',
      'trailalerts/count': '1',
    });
    // Note and Workflow belong to the analyst: an import never sets them.
    expect(f).not.toHaveProperty('Note');
    expect(f).not.toHaveProperty('Workflow');
  });

  it('maps every level, and ATT&CK tactic tags to TTPs types', () => {
    const labels = (['informational', 'low', 'medium', 'high', 'critical'] as const).map(
      (level) => asffFinding(sampleAlert({ level }), SECURITY, NOW).Severity.Label,
    );
    expect(labels).toEqual(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
    const alert = sampleAlert();
    alert.rule = { ...alert.rule, tags: ['attack.persistence', 'attack.t1098', 'attack.defense_evasion'] };
    expect(asffFinding(alert, SECURITY, NOW).Types).toEqual(['TTPs/Persistence', 'TTPs/Defense Evasion']);
    alert.rule = { ...alert.rule, tags: [] };
    expect(asffFinding(alert, SECURITY, NOW).Types).toEqual(['TTPs']);
  });

  it('keeps hostile values inert: no control or bidi character, capped, no live link', () => {
    const f = asffFinding(hostileAlert(), SECURITY, NOW);
    for (const s of strings(f)) expect(s).not.toMatch(CONTROLS);
    expect(f.Description).toMatch(/… \[truncated, \d+ characters in total\]$/);
    expect(JSON.stringify(f)).not.toContain('https://evil.example');
    // An account id that is not 12 digits never becomes an account resource.
    expect(f.Resources[0].Id).toBe('AWS::::Account:unknown');
    // The event's region and id did not validate: no console link is built from them.
    expect(f.SourceUrl).toBeUndefined();
  });

  it('is one finding per (rule, account, actor, target): the same alert twice, one Id', () => {
    const first = asffFinding(sampleAlert(), SECURITY, NOW);
    const again = asffFinding(
      sampleAlert({ id: 'ffffffffffffffff', time: '2026-11-20T12:00:00Z', eventID: 'other-event' }),
      SECURITY,
      new Date('2026-11-20T12:00:05Z'),
    );
    expect(again.Id).toBe(first.Id);
    expect(again.UpdatedAt > first.UpdatedAt).toBe(true);
    const otherTarget = asffFinding(sampleAlert({ target: { key: 'x', label: 'x' } }), SECURITY, NOW);
    const otherActor = sampleAlert();
    otherActor.actor = { ...otherActor.actor, id: 'arn:aws:iam::444455556666:user/bob' };
    const otherAccount = sampleAlert();
    otherAccount.account = { ...otherAccount.account, id: '666677778888' };
    const ids = new Set(
      [
        first,
        otherTarget,
        asffFinding(otherActor, SECURITY, NOW),
        asffFinding(otherAccount, SECURITY, NOW),
      ].map((f) => f.Id),
    );
    expect(ids.size).toBe(4);
    expect(productArn({ accountId: '123456789012', region: 'cn-north-1' })).toBe(
      'arn:aws-cn:securityhub:cn-north-1:123456789012:product/123456789012/default',
    );
  });
});

describe('importing', () => {
  const named: NamedDestination = { name: 'hub', destination: { type: 'securityhub' } };
  const noSleep = { sleep: async () => {}, random: () => 0 };

  it('calls BatchImportFindings with at most 100 findings a call', async () => {
    const hub = mockClient(SecurityHubClient);
    hub.on(BatchImportFindingsCommand).resolves({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
    const importer = new SecurityHubImporter(new SecurityHubClient({ region: 'us-east-1' }));
    const findings = Array.from({ length: 250 }, (_, i) =>
      asffFinding(sampleAlert({ target: { key: `t${i}`, label: `t${i}` } }), SECURITY, NOW),
    );
    expect(await importFindings(importer, findings)).toEqual([]);
    const calls = hub.commandCalls(BatchImportFindingsCommand).map((c) => c.args[0].input.Findings?.length);
    expect(calls).toEqual([IMPORT_BATCH_LIMIT, IMPORT_BATCH_LIMIT, 50]);
    hub.restore();
  });

  it('fails the send on FailedFindings, naming the finding and the code, not retrying invalid input', async () => {
    const hub = mockClient(SecurityHubClient);
    hub.on(BatchImportFindingsCommand).callsFake((input: { Findings: AwsSecurityFinding[] }) => ({
      FailedCount: 1,
      SuccessCount: 0,
      FailedFindings: [{ Id: input.Findings[0].Id, ErrorCode: 'InvalidInput', ErrorMessage: 'bad\nfield' }],
    }));
    const notifier = new SecurityHubNotifier({
      importer: new SecurityHubImporter(new SecurityHubClient({ region: 'us-east-1' })),
      account: SECURITY,
      now: () => NOW,
      retry: noSleep,
    });
    const error = await notifier.send(sampleAlert(), named).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotificationError);
    expect((error as NotificationError).retryable).toBe(false);
    expect((error as Error).message).toMatch(
      /^securityhub hub: Security Hub refused 1 finding\(s\): trailalerts\/[0-9a-f]{40}: InvalidInput \(bad\\u000Afield\)$/,
    );
    expect(hub.commandCalls(BatchImportFindingsCommand)).toHaveLength(1);
    hub.restore();
  });

  it('tries a finding refused for throttling again, alone, and then succeeds', async () => {
    const seen: string[][] = [];
    let refuse = true;
    const importer: FindingsImporter = {
      async batchImport(findings) {
        seen.push(findings.map((f) => f.Id));
        if (!refuse) return [];
        refuse = false;
        return [{ id: findings[1].Id, code: 'ThrottlingException', message: 'slow down' }];
      },
    };
    const findings = [0, 1, 2].map((i) =>
      asffFinding(sampleAlert({ target: { key: `t${i}`, label: `t${i}` } }), SECURITY, NOW),
    );
    expect(await importFindings(importer, findings, { retry: noSleep })).toEqual([]);
    expect(seen).toEqual([findings.map((f) => f.Id), [findings[1].Id]]);
  });

  it('reports a throttled finding as retryable once the attempts run out', async () => {
    const importer: FindingsImporter = {
      batchImport: async (findings) => [{ id: findings[0].Id, code: 'LimitExceededException' }],
    };
    const notifier = new SecurityHubNotifier({
      importer,
      account: SECURITY,
      retry: { ...noSleep, attempts: 3 },
    });
    const error = (await notifier.send(sampleAlert(), named).catch((e: unknown) => e)) as NotificationError;
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('LimitExceededException');
  });

  it('retries a throttled call, then imports', async () => {
    const hub = mockClient(SecurityHubClient);
    hub
      .on(BatchImportFindingsCommand)
      .rejectsOnce(Object.assign(new Error('rate'), { name: 'ThrottlingException' }))
      .resolves({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
    const notifier = new SecurityHubNotifier({
      importer: new SecurityHubImporter(new SecurityHubClient({ region: 'us-east-1' })),
      account: SECURITY,
      retry: noSleep,
    });
    await notifier.send(sampleAlert(), named);
    expect(hub.commandCalls(BatchImportFindingsCommand)).toHaveLength(2);
    hub.restore();
  });
});

const RULES = `
title: Route Changed
id: 0c9d6f3e-7a41-4d55-8b0e-3f2a1b4c5d70
logsource: { product: aws, service: cloudtrail }
detection:
  sel: { eventSource: ec2.amazonaws.com, eventName: CreateRoute }
  condition: sel
level: high
tags: [attack.persistence, attack.t1098]
`;

const CONFIG = `
organization: { id: o-testorg0001, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: us-east-1 }
trail: { bucket: trail, accountId: '333333333333' }
destinations:
  hub: { type: securityhub }
organizationalUnits:
  /: { routes: [{ to: [hub] }], cooldownMinutes: 15 }
accounts:
  '444455556666': { name: payments-prod, ou: /Workloads/Production }
exceptions:
  - rule: '*'
    actors: ['arn:aws:iam::444455556666:role/BreakGlass']
    reason: Break-glass role, used only in declared incidents.
`;

function createRoute(id: string, time: string, role = 'terraform') {
  return {
    eventVersion: '1.10',
    eventID: id,
    eventTime: time,
    eventSource: 'ec2.amazonaws.com',
    eventName: 'CreateRoute',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '10.0.0.9',
    recipientAccountId: '444455556666',
    requestParameters: { routeTableId: 'rtb-1', destinationCidrBlock: '0.0.0.0/0' },
    userIdentity: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::444455556666:assumed-role/${role}/run-1`,
      accountId: '444455556666',
      sessionContext: {
        sessionIssuer: { type: 'Role', arn: `arn:aws:iam::444455556666:role/${role}`, userName: role },
      },
    },
  };
}

describe('through the processor, BatchImportFindings mocked', () => {
  function setup() {
    let wall = Date.parse('2026-11-20T10:05:00Z');
    const now = () => new Date(wall);
    const bundle = parseRules(RULES, 'rules/test.yml');
    const loaded = parseAccountsConfig(CONFIG, 'accounts.yaml');
    expect(loaded.diagnostics).toEqual([]);
    const config = loaded.config!;
    const content: DetectionContent = { bundle, correlations: [], importedExceptions: [], diagnostics: [] };
    const policy = buildPolicy(config, content);
    const directory = new StaticAccountDirectory(config);
    const hub = mockClient(SecurityHubClient);
    hub.on(BatchImportFindingsCommand).resolves({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
    const store = new MemoryStateStore({ now });
    const sender = createAwsDispatcher({
      ses: {} as SESv2Client,
      sns: {} as SNSClient,
      secrets: { read: () => Promise.reject(new Error('no secret is read for Security Hub')) },
      findings: {
        importer: new SecurityHubImporter(new SecurityHubClient({ region: 'us-east-1' })),
        account: findingsAccountOf(config),
        times: new StoredFindingTimes(store, () => wall),
      },
      now,
    });
    const processor = assembleProcessor(config, content, policy, {
      store,
      directory,
      sender,
      now,
    });
    const analyzer = new Analyzer({ rules: bundle.rules, policy, directory });
    let index = 0;
    const run = async (record: Record<string, unknown>) => {
      const outcomes: AlertOutcome[] = [];
      for (const m of await analyzer.analyze({ record, source: { file: 'f', index: index++ } }))
        outcomes.push(...(await processor.process(m)));
      return outcomes;
    };
    const imported = () =>
      hub.commandCalls(BatchImportFindingsCommand).flatMap((c) => c.args[0].input.Findings ?? []);
    return { run, hub, imported, setWall: (t: string) => (wall = Date.parse(t)) };
  }

  it('the same call twice, after the cooldown: one finding Id, updated, with the repeats counted', async () => {
    const { run, hub, imported, setWall } = setup();
    expect((await run(createRoute('e1', '2026-11-20T10:00:00Z'))).map((o) => o.kind)).toEqual(['sent']);
    // An exact repeat within the window is counted, not imported.
    setWall('2026-11-20T10:06:00Z');
    expect((await run(createRoute('e2', '2026-11-20T10:05:00Z'))).map((o) => o.kind)).toEqual(['suppressed']);
    expect(imported()).toHaveLength(1);
    // After the window the same call is imported again, under the same Id, carrying the count.
    setWall('2026-11-20T10:31:00Z');
    expect((await run(createRoute('e3', '2026-11-20T10:30:00Z'))).map((o) => o.kind)).toEqual(['sent']);
    const [first, second] = imported();
    expect(second.Id).toBe(first.Id);
    expect(second.AwsAccountId).toBe('222222222222');
    expect(second.ProductArn).toBe('arn:aws:securityhub:us-east-1:222222222222:product/222222222222/default');
    expect(first.ProductFields?.['trailalerts/count']).toBe('1');
    expect(second.ProductFields?.['trailalerts/count']).toBe('2');
    expect(second.UpdatedAt! > first.UpdatedAt!).toBe(true);
    // The finding keeps its first observation; the repeat moves only its last one.
    expect([first.CreatedAt, first.FirstObservedAt, first.LastObservedAt]).toEqual([
      '2026-11-20T10:00:00.000Z',
      '2026-11-20T10:00:00.000Z',
      '2026-11-20T10:00:00.000Z',
    ]);
    expect([second.CreatedAt, second.FirstObservedAt, second.LastObservedAt]).toEqual([
      '2026-11-20T10:00:00.000Z',
      '2026-11-20T10:00:00.000Z',
      '2026-11-20T10:30:00.000Z',
    ]);
    expect(second.Types).toEqual(['TTPs/Persistence']);
    expect(second.Resources?.[0]).toMatchObject({
      Id: 'AWS::::Account:444455556666',
      Details: { Other: { name: 'payments-prod', ouPath: '/Workloads/Production' } },
    });
    for (const f of imported()) expectValidFinding(f as AsffFinding);
    hub.restore();
  });

  it('imports nothing for an excepted alert', async () => {
    const { run, hub, imported } = setup();
    const outcomes = await run(createRoute('e9', '2026-11-20T10:00:00Z', 'BreakGlass'));
    expect(outcomes.map((o) => o.kind)).toEqual(['excepted']);
    expect(imported()).toEqual([]);
    hub.restore();
  });

  it('fails the alert when Security Hub refuses its finding, so SQS brings it back', async () => {
    const { run, hub } = setup();
    hub.on(BatchImportFindingsCommand).callsFake((input: { Findings: AwsSecurityFinding[] }) => ({
      FailedCount: 1,
      SuccessCount: 0,
      FailedFindings: [{ Id: input.Findings[0].Id, ErrorCode: 'AccessDeniedException', ErrorMessage: 'no' }],
    }));
    await expect(run(createRoute('e1', '2026-11-20T10:00:00Z'))).rejects.toThrow(/AccessDeniedException/);
    hub.restore();
  });
});
