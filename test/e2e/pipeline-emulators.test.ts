/**
 * End to end on local emulators with real SDK clients: s3rver holds the trail bucket and its S3
 * events drive the analyzer handler; dynalite holds the state table; aws-sdk-client-mock stands
 * in for SQS (messages passed between the handlers as SQS would: redelivery of failed items, DLQ
 * after N receives), SES and SNS.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createAnalyzerHandler } from '../../src/analyzer/handler';
import { loadRuntime, type Runtime } from '../../src/runtime/runtime';
import { createProcessorHandler } from '../../src/processor/handler';
import { startStateTable, type LocalStateTable } from '../helpers/dynalite';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver');

const BUCKET = 'org-trail-logs';
const PROD = '444455556666';
const context = {} as Context;

/** A queue as SQS runs it for a Lambda event source: failed items come back; after maxReceives, the DLQ. */
class SimQueue {
  private seq = 0;
  readonly pending: { id: string; body: string; receives: number }[] = [];
  readonly dlq: string[] = [];
  constructor(private readonly maxReceives = 3) {}
  push(body: string) {
    this.pending.push({ id: `m${++this.seq}`, body, receives: 0 });
  }
  /** Delivers batches until the queue is empty; returns how many invocations it took. */
  async drain(
    handler: (e: SQSEvent, c: Context) => Promise<SQSBatchResponse>,
    batchSize = 10,
  ): Promise<number> {
    let invocations = 0;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, batchSize);
      batch.forEach((m) => m.receives++);
      invocations++;
      const res = await handler(
        {
          Records: batch.map((m) => ({
            messageId: m.id,
            body: m.body,
            receiptHandle: m.id,
            attributes: { ApproximateReceiveCount: String(m.receives) },
            eventSource: 'aws:sqs',
          })),
        } as unknown as SQSEvent,
        context,
      );
      const failed = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
      for (const m of batch) {
        if (!failed.has(m.id)) continue;
        if (m.receives >= this.maxReceives) this.dlq.push(m.body);
        else this.pending.push(m);
      }
    }
    return invocations;
  }
}

function record(
  id: string,
  name: string,
  source: string,
  extra: Record<string, unknown> = {},
  actor = 'alice',
) {
  return {
    eventVersion: '1.10',
    eventID: id,
    eventTime: '2026-11-20T10:10:27Z',
    eventSource: source,
    eventName: name,
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.9',
    userAgent: 'aws-cli/2.22.4',
    recipientAccountId: PROD,
    requestParameters: { name: `arn:aws:cloudtrail:us-east-1:${PROD}:trail/payments-audit` },
    userIdentity: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${PROD}:assumed-role/Admin-${actor}/${actor}`,
      accountId: PROD,
      principalId: `AROAEXAMPLE:${actor}`,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          arn: `arn:aws:iam::${PROD}:role/Admin-${actor}`,
          userName: `Admin-${actor}`,
          accountId: PROD,
        },
      },
    },
    ...extra,
  };
}

/** Each test uses its own actor: cooldown is per (rule, account, actor) and must not mix tests. */
const stopLogging = (id: string, actor = id) =>
  record(id, 'StopLogging', 'cloudtrail.amazonaws.com', {}, actor);
const benign = (id: string) =>
  record(id, 'DescribeInstances', 'ec2.amazonaws.com', { readOnly: true, requestParameters: {} });
const key = (name: string) => `AWSLogs/o-exampleorg1/${PROD}/CloudTrail/us-east-1/2026/11/20/${name}`;

describe('pipeline on local emulators', () => {
  let dir: string;
  let s3rver: {
    run(): Promise<{ port: number }>;
    close(): Promise<void>;
    on(e: string, f: (ev: unknown) => void): void;
  };
  let s3: S3Client;
  let table: LocalStateTable;
  let dynamodb: DynamoDBClient;
  const sqsMock = mockClient(SQSClient);
  const sesMock = mockClient(SESv2Client);
  const snsMock = mockClient(SNSClient);
  const objectsQueue = new SimQueue();
  const matchesQueue = new SimQueue();
  let runtime: Promise<Runtime>;
  let analyzer: ReturnType<typeof createAnalyzerHandler>;
  let processor: ReturnType<typeof createProcessorHandler>;
  const s3Events: string[] = [];
  let emails: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ta-e2e-'));
    s3rver = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: dir,
      configureBuckets: [{ name: BUCKET }],
    });
    const { port } = await s3rver.run();
    // s3rver emits keys as they are; S3 URL-encodes them in notifications (a space as '+'): do as S3 does.
    s3rver.on('event', (ev) => {
      const e = ev as { Records: { s3: { object: { key: string } } }[] };
      for (const r of e.Records)
        r.s3.object.key = encodeURIComponent(r.s3.object.key).replace(/%20/g, '+').replace(/%2F/g, '/');
      s3Events.push(JSON.stringify(e));
    });
    s3 = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });

    table = await startStateTable('state');
    dynamodb = table.client;

    process.env.TRAILALERTS_CONFIG = join(process.cwd(), 'accounts.yaml');
    process.env.TRAILALERTS_RULES_DIR = join(process.cwd(), 'rules');
    const logger = new Logger({ logLevel: 'SILENT' });
    runtime = loadRuntime(logger);
    sqsMock.on(SendMessageBatchCommand).callsFake((input) => {
      for (const e of input.Entries) matchesQueue.push(e.MessageBody);
      return { Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id })), Failed: [] };
    });
    analyzer = createAnalyzerHandler({
      s3,
      sqs: new SQSClient({ region: 'us-east-1' }),
      matchesQueueUrl: 'https://sqs/matches',
      runtime: () => runtime,
      logger,
      metrics: new Metrics({ namespace: 'test' }),
    });
    processor = createProcessorHandler({
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
  }, 60_000);

  beforeEach(() => {
    emails = [];
    sesMock.reset();
    snsMock.reset();
    sesMock.on(SendEmailCommand).callsFake((input) => {
      emails.push(String(input.Content?.Simple?.Subject?.Data));
      return { MessageId: 'x' };
    });
    snsMock.on(PublishCommand).resolves({ MessageId: 'y' });
  });

  afterAll(async () => {
    sqsMock.restore();
    sesMock.restore();
    snsMock.restore();
    await s3rver.close();
    await table.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function put(name: string, body: Buffer | string): Promise<string> {
    const before = s3Events.length;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key(name), Body: body }));
    for (let i = 0; i < 50 && s3Events.length === before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(s3Events.length).toBe(before + 1);
    return s3Events[s3Events.length - 1];
  }

  it('normal flow: an S3 event becomes one email and one page, named by account and OU', async () => {
    const event = await put(
      'a.json.gz',
      gzipSync(JSON.stringify({ Records: [benign('n1'), stopLogging('n2'), benign('n3')] })),
    );
    objectsQueue.push(event);
    await objectsQueue.drain(analyzer);
    await matchesQueue.drain(processor);
    expect(
      emails.some((s) => /payments-prod \(\/Workloads\/Production\)/.test(s) && /logging stopped/i.test(s)),
    ).toBe(true);
    expect(snsMock.commandCalls(PublishCommand).length).toBeGreaterThanOrEqual(1);
    expect(objectsQueue.dlq).toEqual([]);
    expect(matchesQueue.dlq).toEqual([]);
  });

  it('the same object event three times alerts once', async () => {
    const event = await put('b.json.gz', gzipSync(JSON.stringify({ Records: [stopLogging('d1')] })));
    for (let i = 0; i < 3; i++) objectsQueue.push(event);
    await objectsQueue.drain(analyzer);
    await matchesQueue.drain(processor);
    expect(emails.filter((s) => /logging stopped/i.test(s))).toHaveLength(1);
  });

  it('poison objects fail alone, keep their good records, and reach the DLQ after retries', async () => {
    const good = gzipSync(JSON.stringify({ Records: [stopLogging('p1')] }));
    const full = JSON.stringify({ Records: [stopLogging('p2'), benign('p3')] });
    const events = [
      await put(
        'corrupt.json.gz',
        Buffer.concat([gzipSync('{"Records":[')!.subarray(0, 12), Buffer.from('garbage')]),
      ),
      await put('truncated.json.gz', gzipSync(full.slice(0, full.indexOf('DescribeInstances')))),
      await put('not-cloudtrail.json.gz', gzipSync(JSON.stringify({ hello: 'world' }))),
      await put('empty.json.gz', Buffer.alloc(0)),
      await put('with space+plus ü.json.gz', good),
    ];
    expect(events[4]).toContain('with+space%2Bplus+%C3%BC');
    events.forEach((e) => objectsQueue.push(e));
    await objectsQueue.drain(analyzer);
    await matchesQueue.drain(processor);
    // Four poison objects in the DLQ after their retries; the good one (odd key) succeeded.
    expect(objectsQueue.dlq).toHaveLength(4);
    expect(objectsQueue.dlq.some((b) => b.includes('with+space'))).toBe(false);
    // The record before the truncation was evaluated: its alert went out (once, despite 3 receives).
    const stopped = emails.filter((s) => /logging stopped/i.test(s));
    expect(stopped).toHaveLength(2);
  });

  it('SES throttling: retried with backoff, then redelivered, and sent exactly once', async () => {
    let throttles = 3; // more than one invocation's retry budget (2 attempts)
    sesMock.reset();
    sesMock.on(SendEmailCommand).callsFake((input) => {
      if (throttles-- > 0)
        throw Object.assign(new Error('Rate exceeded'), {
          name: 'TooManyRequestsException',
          $metadata: { httpStatusCode: 429 },
        });
      emails.push(String(input.Content?.Simple?.Subject?.Data));
      return { MessageId: 'x' };
    });
    objectsQueue.push(await put('c.json.gz', gzipSync(JSON.stringify({ Records: [stopLogging('t1')] }))));
    await objectsQueue.drain(analyzer);
    const invocations = await matchesQueue.drain(processor);
    expect(invocations).toBeGreaterThanOrEqual(2);
    expect(emails.filter((s) => /logging stopped/i.test(s))).toHaveLength(1);
    expect(matchesQueue.dlq).toEqual([]);
  });

  it('a processor failure mid-batch retries only the failed message; a lasting failure ends in the DLQ', async () => {
    sesMock.reset();
    sesMock.on(SendEmailCommand).callsFake((input) => {
      const subject = String(input.Content?.Simple?.Subject?.Data);
      emails.push(subject);
      return { MessageId: 'x' };
    });
    objectsQueue.push(
      await put(
        'd.json.gz',
        gzipSync(JSON.stringify({ Records: [stopLogging('m1'), stopLogging('m2', 'm1')] })),
      ),
    );
    await objectsQueue.drain(analyzer);
    matchesQueue.push('{"not":"a match"}');
    await matchesQueue.drain(processor);
    expect(matchesQueue.dlq).toEqual(['{"not":"a match"}']);
    // Both good matches produced their alerts (cooldown may hold the second back, but never loses it).
    expect(emails.filter((s) => /logging stopped/i.test(s)).length).toBeGreaterThanOrEqual(1);
  });

  it('VPNAPI slow or down: the alert still goes out on time, with IP context when the API answers', async () => {
    const secretsMock = mockClient(SecretsManagerClient);
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: 'test-key' });
    let mode: 'hang' | 'answer' = 'hang';
    const api = createServer((_req, res) => {
      if (mode === 'hang') return; // never answers: the lookup must time out (at most 2 s)
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ip: '185.220.101.34',
          security: { vpn: true, proxy: false, tor: true, relay: false },
          location: { city: 'Amsterdam', country: 'Netherlands', country_code: 'NL' },
          network: { autonomous_system_number: 'AS4224', autonomous_system_organization: 'Example Hosting' },
        }),
      );
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', () => resolve()));
    const apiPort = (api.address() as { port: number }).port;
    const enriched = createProcessorHandler({
      dynamodb,
      ses: new SESv2Client({ region: 'us-east-1' }),
      sns: new SNSClient({ region: 'us-east-1' }),
      secrets: new SecretsManagerClient({ region: 'us-east-1' }),
      tableName: 'state',
      ipContextBaseUrl: `http://127.0.0.1:${apiPort}`,
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
      runtime: () => runtime,
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'test' }),
    });
    const html: string[] = [];
    sesMock.reset();
    sesMock.on(SendEmailCommand).callsFake((input) => {
      emails.push(String(input.Content?.Simple?.Subject?.Data));
      html.push(String(input.Content?.Simple?.Body?.Html?.Data));
      return { MessageId: 'x' };
    });
    try {
      const fromVpn = (id: string) => ({ ...stopLogging(id), sourceIPAddress: '185.220.101.34' });
      objectsQueue.push(await put('vpn-1.json.gz', gzipSync(JSON.stringify({ Records: [fromVpn('v1')] }))));
      await objectsQueue.drain(analyzer);
      const started = Date.now();
      await matchesQueue.drain(enriched);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(emails.filter((s) => /logging stopped/i.test(s))).toHaveLength(1);
      expect(html[0]).not.toMatch(/Amsterdam/);

      mode = 'answer';
      objectsQueue.push(await put('vpn-2.json.gz', gzipSync(JSON.stringify({ Records: [fromVpn('v2')] }))));
      await objectsQueue.drain(analyzer);
      await matchesQueue.drain(enriched);
      expect(html).toHaveLength(2);
      expect(html[1]).toMatch(/Amsterdam/);
      expect(html[1]).toMatch(/VPN/);
    } finally {
      secretsMock.restore();
      api.closeAllConnections();
      await new Promise((resolve) => api.close(resolve));
    }
  }, 30_000);
});
