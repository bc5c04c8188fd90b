/**
 * Secrets never reach log output: the processor Lambda, with a webhook whose URL (from Secrets
 * Manager) carries a token and a VPNAPI key, fails to deliver and to enrich; everything it and
 * its libraries write to the console is captured and searched for the secret values.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { join } from 'node:path';
import { encodeMatch } from '../../src/runtime/match-queue';
import { loadRuntime } from '../../src/runtime/runtime';
import { createProcessorHandler } from '../../src/processor/handler';
import { startStateTable, type LocalStateTable } from '../helpers/dynalite';

const WEBHOOK_TOKEN = 'T0SECRET/B0SECRET/xoxWebhookToken9f8e7d';
const VPNAPI_KEY = 'vpnapi-key-5ecret-4a1b';
const SANDBOX = '777788889999';

describe('no secret in log output', () => {
  let table: LocalStateTable;
  const secrets = mockClient(SecretsManagerClient);
  const written: string[] = [];
  const spies: jest.SpyInstance[] = [];

  beforeAll(async () => {
    table = await startStateTable('state');
    secrets
      .on(GetSecretValueCommand, { SecretId: 'trailalerts/dev-chat' })
      .resolves({ SecretString: `https://hooks.slack.com/services/${WEBHOOK_TOKEN}` });
    secrets
      .on(GetSecretValueCommand, { SecretId: 'trailalerts/vpnapi' })
      .resolves({ SecretString: VPNAPI_KEY });
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      spies.push(
        jest
          .spyOn(console, method)
          .mockImplementation((...args: unknown[]) => void written.push(args.map(String).join(' '))),
      );
    }
    for (const stream of [process.stdout, process.stderr]) {
      spies.push(
        jest.spyOn(stream, 'write').mockImplementation(((chunk: unknown) => {
          written.push(String(chunk));
          return true;
        }) as never),
      );
    }
  });

  afterAll(async () => {
    spies.forEach((s) => s.mockRestore());
    secrets.restore();
    await table.close();
  });

  it('keeps webhook URLs and API keys out of every log line, even when delivery and enrichment fail', async () => {
    const dynamodb = table.client;
    process.env.TRAILALERTS_CONFIG = join(process.cwd(), 'accounts.yaml');
    process.env.TRAILALERTS_RULES_DIR = join(process.cwd(), 'rules');
    const logger = new Logger({ logLevel: 'DEBUG', serviceName: 'secrets-test' });
    const runtime = loadRuntime(logger);
    // Every outbound request fails: the webhook answers 500, VPNAPI is unreachable.
    const fetchSpy = jest.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      if (String(input).includes('vpnapi')) throw new TypeError(`fetch failed for ${String(input)}`);
      return new Response('server error', { status: 500 });
    });
    try {
      const handler = createProcessorHandler({
        dynamodb,
        ses: new SESv2Client({ region: 'us-east-1' }),
        sns: new SNSClient({ region: 'us-east-1' }),
        secrets: new SecretsManagerClient({ region: 'us-east-1' }),
        tableName: 'state',
        retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
        runtime: () => runtime,
        logger,
        metrics: new Metrics({ namespace: 'test' }),
      });
      const rt = await runtime;
      const rule = rt.content.bundle.rules.find((r) => /security group ingress opened/i.test(r.meta.title));
      expect(rule).toBeDefined();
      const record = {
        eventID: 'secret-test-1',
        eventTime: '2026-11-20T09:47:02Z',
        eventSource: 'ec2.amazonaws.com',
        eventName: 'AuthorizeSecurityGroupIngress',
        awsRegion: 'eu-west-1',
        sourceIPAddress: '185.220.101.34',
        recipientAccountId: SANDBOX,
        userIdentity: {
          type: 'IAMUser',
          arn: `arn:aws:iam::${SANDBOX}:user/alice`,
          accountId: SANDBOX,
          userName: 'alice',
        },
        requestParameters: {
          groupId: 'sg-1',
          ipPermissions: {
            items: [
              { ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } },
            ],
          },
        },
      };
      const body = encodeMatch({
        rule: rule!.meta,
        record,
        source: { file: 'f', index: 0 },
        accountId: SANDBOX,
      });
      const res = await handler(
        {
          Records: [{ messageId: 'm1', body, receiptHandle: 'r', attributes: {}, eventSource: 'aws:sqs' }],
        } as unknown as SQSEvent,
        {} as Context,
      );
      // The delivery failed and the message is handed back for retry …
      expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
      expect(fetchSpy.mock.calls.some(([u]) => String(u).includes(WEBHOOK_TOKEN))).toBe(true);
    } finally {
      fetchSpy.mockRestore();
    }
    // … and nothing written anywhere carries a secret.
    const all = written.join('\n');
    expect(all).toMatch(/match processing failed/);
    expect(all).toMatch(/dev-chat/);
    expect(all).not.toContain(WEBHOOK_TOKEN);
    expect(all).not.toContain('xoxWebhookToken');
    expect(all).not.toContain(VPNAPI_KEY);
  });
});
