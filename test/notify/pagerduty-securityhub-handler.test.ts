/**
 * The real processor handler with the repository's accounts.yaml, where a critical alert in a
 * Production account goes to Security Hub and PagerDuty: PagerDuty refuses the event with an
 * answer that echoes the routing key, Security Hub refuses the finding; everything written to the
 * console is captured. The routing key is in the request PagerDuty received and nowhere in the
 * logs; Security Hub got one finding for the security account naming the affected account.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  BatchImportFindingsCommand,
  SecurityHubClient,
  type AwsSecurityFinding,
} from '@aws-sdk/client-securityhub';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { join } from 'node:path';
import { SecurityHubImporter } from '../../src/notify/securityhub-client';
import { encodeMatch } from '../../src/runtime/match-queue';
import { loadRuntime } from '../../src/runtime/runtime';
import { createProcessorHandler } from '../../src/processor/handler';
import { startStateTable, type LocalStateTable } from '../helpers/dynalite';

const ROUTING_KEY = 'e93facc04764012d7bfb002500d5d1a6';
const PROD = '444455556666';

describe('the processor handler with PagerDuty and Security Hub destinations', () => {
  let table: LocalStateTable;
  const secrets = mockClient(SecretsManagerClient);
  const hub = mockClient(SecurityHubClient);
  const ses = mockClient(SESv2Client);
  const sns = mockClient(SNSClient);
  const written: string[] = [];
  const spies: jest.SpyInstance[] = [];

  beforeAll(async () => {
    table = await startStateTable('state');
    secrets
      .on(GetSecretValueCommand, { SecretId: 'trailalerts/pagerduty' })
      .resolves({ SecretString: JSON.stringify({ routingKey: ROUTING_KEY }) });
    secrets.on(GetSecretValueCommand, { SecretId: 'trailalerts/vpnapi' }).resolves({ SecretString: 'k-123' });
    ses.on(SendEmailCommand).resolves({ MessageId: 'm' });
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    hub.on(BatchImportFindingsCommand).callsFake((input: { Findings: AwsSecurityFinding[] }) => ({
      FailedCount: 1,
      SuccessCount: 0,
      FailedFindings: [
        { Id: input.Findings[0].Id, ErrorCode: 'InvalidInput', ErrorMessage: 'Finding is invalid' },
      ],
    }));
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const)
      spies.push(
        jest
          .spyOn(console, method)
          .mockImplementation((...args: unknown[]) => void written.push(args.map(String).join(' '))),
      );
    for (const stream of [process.stdout, process.stderr])
      spies.push(
        jest.spyOn(stream, 'write').mockImplementation(((chunk: unknown) => {
          written.push(String(chunk));
          return true;
        }) as never),
      );
  });

  afterAll(async () => {
    spies.forEach((s) => s.mockRestore());
    for (const m of [secrets, hub, ses, sns]) m.restore();
    await table.close();
  });

  it('keeps the routing key out of every log line while both destinations fail', async () => {
    process.env.TRAILALERTS_CONFIG = join(process.cwd(), 'accounts.yaml');
    process.env.TRAILALERTS_RULES_DIR = join(process.cwd(), 'rules');
    const logger = new Logger({ logLevel: 'DEBUG', serviceName: 'pagerduty-test' });
    const runtime = loadRuntime(logger);
    const posted: { url: string; body: string }[] = [];
    const fetchSpy = jest.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      if (String(input).includes('vpnapi')) throw new TypeError('offline');
      posted.push({ url: String(input), body: String(init?.body) });
      return new Response(JSON.stringify({ status: 'invalid event', errors: [`bad key ${ROUTING_KEY}`] }), {
        status: 400,
      });
    });
    try {
      const handler = createProcessorHandler({
        dynamodb: table.client,
        ses: new SESv2Client({ region: 'us-east-1' }),
        sns: new SNSClient({ region: 'us-east-1' }),
        secrets: new SecretsManagerClient({ region: 'us-east-1' }),
        findings: new SecurityHubImporter(new SecurityHubClient({ region: 'us-east-1' })),
        tableName: 'state',
        retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
        runtime: () => runtime,
        logger,
        metrics: new Metrics({ namespace: 'test' }),
      });
      const rt = await runtime;
      const rule = rt.content.bundle.rules.find((r) => r.meta.title === 'AWS EBS Snapshot Made Public');
      expect(rule?.meta.level).toBe('critical');
      const record = {
        eventID: 'pd-test-1',
        eventTime: '2026-11-20T09:47:02Z',
        eventSource: 'ec2.amazonaws.com',
        eventName: 'ModifySnapshotAttribute',
        awsRegion: 'eu-west-1',
        sourceIPAddress: '185.220.101.34',
        recipientAccountId: PROD,
        userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${PROD}:user/mallory`, accountId: PROD },
        requestParameters: {
          snapshotId: 'snap-0123',
          createVolumePermission: { add: { items: [{ group: 'all' }] } },
        },
      };
      const body = encodeMatch({
        rule: rule!.meta,
        record,
        source: { file: 'f', index: 0 },
        accountId: PROD,
      });
      const res = await handler(
        {
          Records: [{ messageId: 'm1', body, receiptHandle: 'r', attributes: {}, eventSource: 'aws:sqs' }],
        } as unknown as SQSEvent,
        {} as Context,
      );
      expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    } finally {
      fetchSpy.mockRestore();
    }
    // PagerDuty got the key, in the body, on its events host only (a 400 is not tried again).
    expect(posted.map((p) => p.url)).toEqual(['https://events.pagerduty.com/v2/enqueue']);
    const event = JSON.parse(posted[0].body) as { routing_key: string; dedup_key: string };
    expect(event.routing_key).toBe(ROUTING_KEY);
    expect(event.dedup_key).toMatch(/^trailalerts-[0-9a-f]{40}$/);
    // Security Hub got one finding for the security account, about the Production account.
    const findings = hub
      .commandCalls(BatchImportFindingsCommand)
      .flatMap((c) => c.args[0].input.Findings ?? []);
    expect(findings.length).toBeGreaterThanOrEqual(1);
    expect(new Set(findings.map((f) => f.Id))).toEqual(new Set([`trailalerts/${event.dedup_key.slice(12)}`]));
    expect(findings[0]).toMatchObject({
      AwsAccountId: '222222222222',
      Severity: { Label: 'CRITICAL' },
      Types: ['TTPs/Exfiltration'],
      Resources: expect.arrayContaining([expect.objectContaining({ Id: `AWS::::Account:${PROD}` })]),
    });
    // Both failures are logged by destination name, and no line carries the key.
    const all = written.join('\n');
    expect(all).toMatch(/match processing failed/);
    expect(all).toMatch(/pagerduty soc-pagerduty: answered HTTP 400/);
    expect(all).toMatch(/securityhub security-hub: Security Hub refused 1 finding/);
    expect(all).not.toContain(ROUTING_KEY);
  });
});
