/**
 * The processor Lambda's scheduled path on a local DynamoDB (dynalite): when no later alert of its
 * key comes, a digest still goes out once its window has closed, found through the due index; a
 * digest whose send fails stays due, fails the invocation (errors alarm) and goes out next time.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, ScheduledEvent, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { parseAccountsConfig } from '../../src/org/config';
import { StaticAccountDirectory } from '../../src/org/directory';
import { Analyzer } from '../../src/runtime/analyze';
import { buildPolicy, type DetectionContent } from '../../src/runtime/build';
import { encodeMatch } from '../../src/runtime/match-queue';
import type { Runtime } from '../../src/runtime/runtime';
import { createProcessorHandler, isScheduledEvent } from '../../src/processor/handler';
import { parseRules } from '../../src/sigma/index';
import { startStateTable, type LocalStateTable } from '../helpers/dynalite';

const RULES = `
title: Route Changed
id: 0c9d6f3e-7a41-4d55-8b0e-3f2a1b4c5d60
logsource: { product: aws, service: cloudtrail }
detection:
  sel: { eventSource: ec2.amazonaws.com, eventName: CreateRoute }
  condition: sel
level: medium
`;

const CONFIG = `
organization: { id: o-testorg0001, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: us-east-1 }
trail: { bucket: trail, accountId: '333333333333' }
destinations:
  soc: { type: email, from: a@example.com, to: [b@example.com] }
organizationalUnits:
  /: { routes: [{ to: [soc] }], cooldownMinutes: 15 }
`;

const context = { getRemainingTimeInMillis: () => 60_000 } as Context;

/** The event an EventBridge schedule rule delivers with its default input. */
const tick: ScheduledEvent = {
  version: '0',
  id: 'tick-1',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '222222222222',
  time: '2026-11-20T10:30:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:222222222222:rule/trailalerts-digest-flush'],
  detail: {},
};

function route(actor: string, i: number, time: string) {
  return {
    eventID: `${actor}-route-${i}`,
    eventTime: time,
    eventSource: 'ec2.amazonaws.com',
    eventName: 'CreateRoute',
    awsRegion: 'eu-west-1',
    recipientAccountId: '444455556666',
    requestParameters: { routeTableId: 'rtb-1', destinationCidrBlock: `10.0.${i}.0/24` },
    userIdentity: {
      type: 'IAMUser',
      arn: `arn:aws:iam::444455556666:user/${actor}`,
      accountId: '444455556666',
    },
  };
}

describe('processor Lambda, scheduled digest flush', () => {
  let table: LocalStateTable;
  const ses = mockClient(SESv2Client);
  let wall = Date.parse('2026-11-20T10:05:00Z');
  let runtime: Runtime;
  let subjects: string[];
  let failSends = 0;

  beforeAll(async () => {
    table = await startStateTable('state');
    const bundle = parseRules(RULES, 'rules/test.yml');
    const config = parseAccountsConfig(CONFIG, 'accounts.yaml').config!;
    const content: DetectionContent = { bundle, correlations: [], importedExceptions: [], diagnostics: [] };
    runtime = {
      config,
      content,
      policy: buildPolicy(config, content),
      directory: new StaticAccountDirectory(config),
    };
  });

  beforeEach(() => {
    subjects = [];
    ses.reset();
    ses.on(SendEmailCommand).callsFake((input) => {
      if (failSends > 0) {
        failSends--;
        throw Object.assign(new Error('Maximum sending rate exceeded'), { name: 'MessageRejected' });
      }
      subjects.push(String(input.Content?.Simple?.Subject?.Data));
      return { MessageId: 'x' };
    });
  });

  afterAll(async () => {
    ses.restore();
    await table.close();
  });

  function handler() {
    return createProcessorHandler({
      dynamodb: table.client,
      ses: new SESv2Client({ region: 'us-east-1' }),
      sns: new SNSClient({ region: 'us-east-1' }),
      secrets: new SecretsManagerClient({ region: 'us-east-1' }),
      tableName: 'state',
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      runtime: async () => runtime,
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'test' }),
      now: () => new Date(wall),
    });
  }

  async function deliver(processor: ReturnType<typeof handler>, records: Record<string, unknown>[]) {
    const analyzer = new Analyzer({
      rules: runtime.content.bundle.rules,
      policy: runtime.policy,
      directory: runtime.directory,
    });
    const bodies: string[] = [];
    for (const [index, record] of records.entries())
      for (const m of await analyzer.analyze({ record, source: { file: 'f', index } }))
        bodies.push(encodeMatch(m));
    const event = {
      Records: bodies.map((body, i) => ({
        messageId: `m${i}`,
        body,
        receiptHandle: `m${i}`,
        eventSource: 'aws:sqs',
      })),
    } as unknown as SQSEvent;
    const res = await processor(event, context);
    expect(res.batchItemFailures).toEqual([]);
  }

  it('recognizes the schedule rule event and nothing else', () => {
    expect(isScheduledEvent(tick)).toBe(true);
    expect(isScheduledEvent({ Records: [] })).toBe(false);
    expect(isScheduledEvent({ source: 'aws.events', 'detail-type': 'Object Created' })).toBe(false);
    expect(isScheduledEvent(null)).toBe(false);
  });

  it('sends a digest when its window has closed and no later alert came, once', async () => {
    wall = Date.parse('2026-11-20T10:05:00Z');
    const processor = handler();
    await deliver(
      processor,
      [0, 1, 2, 3].map((i) => route('tf', i, `2026-11-20T10:00:0${i}Z`)),
    );
    expect(subjects).toHaveLength(1);
    expect(await processor(tick, context)).toEqual({ digests: 0, failures: 0 });
    expect(subjects).toHaveLength(1);
    wall = Date.parse('2026-11-20T10:26:00Z');
    expect(await processor(tick, context)).toEqual({ digests: 1, failures: 0 });
    expect(subjects).toHaveLength(2);
    wall = Date.parse('2026-11-20T10:45:00Z');
    expect(await processor(tick, context)).toEqual({ digests: 0, failures: 0 });
    expect(subjects).toHaveLength(2);
  });

  it('a digest whose send fails fails the run, stays due, and goes out with the next run', async () => {
    wall = Date.parse('2026-11-20T11:05:00Z');
    const processor = handler();
    await deliver(
      processor,
      [0, 1].map((i) => route('ops', i, `2026-11-20T11:00:0${i}Z`)),
    );
    expect(subjects).toHaveLength(1);
    wall = Date.parse('2026-11-20T11:30:00Z');
    failSends = 1;
    await expect(processor(tick, context)).rejects.toThrow(/1 digest sends failed/);
    expect(subjects).toHaveLength(1);
    wall = Date.parse('2026-11-20T11:35:00Z');
    expect(await processor(tick, context)).toEqual({ digests: 1, failures: 0 });
    expect(subjects).toHaveLength(2);
  });
});
