/**
 * The poller Lambda: its environment (each mistake named), and the handler wired to mocked S3,
 * DynamoDB and SQS clients: the summary it logs, the metrics it emits, and the error it throws
 * after queueing everything it could when a prefix failed.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createPollerHandler, PollFailedError } from '../../src/poller/handler';
import { pollerSettings } from '../../src/poller/settings';

const ROOT = 'o-abc123defg/AWSLogs/o-abc123defg/';
const ENV = {
  TRAIL_BUCKET: 'aws-controltower-logs-333333333333-us-east-1',
  TRAIL_LOGS_ROOT: ROOT,
  TRAIL_REGIONS: '',
  OBJECTS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/222222222222/trailalerts-objects',
  POLL_STATE_TABLE: 'trailalerts-poll-state',
};

describe('pollerSettings', () => {
  it('reads the environment, with a 30-minute lookback by default', () => {
    expect(pollerSettings(ENV)).toEqual({
      poll: { bucket: ENV.TRAIL_BUCKET, logsRoot: ROOT, regions: [], lookbackMinutes: 30 },
      queueUrl: ENV.OBJECTS_QUEUE_URL,
      stateTable: ENV.POLL_STATE_TABLE,
      seenTtlSeconds: 2 * 30 * 60 + 86_400,
    });
    const s = pollerSettings({
      ...ENV,
      TRAIL_LOGS_ROOT: 'AWSLogs/o-abc123defg/',
      TRAIL_REGIONS: ' us-east-1, eu-west-1,,us-east-1 ',
      POLL_LOOKBACK_MINUTES: '45',
    });
    expect(s.poll).toMatchObject({
      logsRoot: 'AWSLogs/o-abc123defg/',
      regions: ['us-east-1', 'eu-west-1'],
      lookbackMinutes: 45,
    });
    expect(s.seenTtlSeconds).toBe(2 * 45 * 60 + 86_400);
  });

  it.each([
    [{ TRAIL_BUCKET: undefined }, 'environment variable TRAIL_BUCKET is not set'],
    [{ TRAIL_BUCKET: 'Bad_Bucket' }, 'TRAIL_BUCKET: expected an S3 bucket name, got "Bad_Bucket"'],
    [
      { TRAIL_LOGS_ROOT: 'AWSLogs/o-abc123defg' },
      'TRAIL_LOGS_ROOT: expected [<prefix>/]AWSLogs/[<org-id>/] ending in "/"',
    ],
    [{ TRAIL_LOGS_ROOT: 'logs/' }, 'TRAIL_LOGS_ROOT: expected'],
    [
      { TRAIL_REGIONS: 'us-east-1,Europe' },
      'TRAIL_REGIONS: expected comma-separated region names like us-east-1, got "Europe"',
    ],
    [{ OBJECTS_QUEUE_URL: 'trailalerts-objects' }, 'OBJECTS_QUEUE_URL: expected an https SQS queue URL'],
    [{ POLL_STATE_TABLE: '' }, 'environment variable POLL_STATE_TABLE is not set'],
    [
      { POLL_LOOKBACK_MINUTES: '0' },
      'POLL_LOOKBACK_MINUTES: expected whole minutes from 1 to 10080, got "0"',
    ],
    [{ POLL_LOOKBACK_MINUTES: '7.5' }, 'POLL_LOOKBACK_MINUTES: expected whole minutes'],
  ])('rejects %j', (change, message) => {
    expect(() => pollerSettings({ ...ENV, ...change })).toThrow(message);
  });
});

describe('poller handler', () => {
  const s3 = mockClient(S3Client);
  const dynamo = mockClient(DynamoDBDocumentClient);
  const sqs = mockClient(SQSClient);
  const A = '111111111111';
  const B = '222222222222';
  const day = (account: string) => `${ROOT}${account}/CloudTrail/us-east-1/2026/11/20/`;
  const key = (account: string) => `${day(account)}${account}_CloudTrail_us-east-1_20261120T1150Z_x.json.gz`;

  afterAll(() => {
    s3.restore();
    dynamo.restore();
    sqs.restore();
  });

  beforeEach(() => {
    s3.reset();
    dynamo.reset();
    sqs.reset();
    s3.on(ListObjectsV2Command).callsFake((input) => {
      if (input.Prefix === ROOT)
        return { CommonPrefixes: [{ Prefix: `${ROOT}${A}/` }, { Prefix: `${ROOT}${B}/` }] };
      if (input.Prefix.endsWith('/CloudTrail/'))
        return { CommonPrefixes: [{ Prefix: `${input.Prefix}us-east-1/` }] };
      if (input.Prefix === day(B)) throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
      return { Contents: [{ Key: key(A) }] };
    });
    dynamo.on(BatchGetCommand).resolves({ Responses: {} });
    dynamo.on(BatchWriteCommand).resolves({});
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  });

  function handler() {
    const logger = new Logger({ serviceName: 'trailalerts-poller' });
    const metrics = new Metrics({ namespace: 'TrailAlerts', serviceName: 'trailalerts-poller' });
    const log = {
      info: jest.spyOn(logger, 'info').mockImplementation(),
      error: jest.spyOn(logger, 'error').mockImplementation(),
      warn: jest.spyOn(logger, 'warn').mockImplementation(),
    };
    const added = jest.spyOn(metrics, 'addMetric');
    const published = jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation();
    const h = createPollerHandler({
      s3: new S3Client({ region: 'us-east-1' }),
      sqs: new SQSClient({ region: 'us-east-1' }),
      dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
      env: ENV,
      now: () => Date.parse('2026-11-20T12:00:00Z'),
      logger,
      metrics,
    });
    const metric = (name: string) => added.mock.calls.find((c) => c[0] === name)?.[2];
    return { h, log, metric, published };
  }

  const context = (ms = 300_000) => ({ getRemainingTimeInMillis: () => ms });

  it('queues what it could, then throws naming the failed prefix, with the metrics and the summary logged', async () => {
    const { h, log, metric, published } = handler();
    const err = await h({}, context()).then(
      () => undefined,
      (e: unknown) => e as PollFailedError,
    );
    expect(err).toBeInstanceOf(PollFailedError);
    expect(err!.message).toBe(
      `trail poll: 1 prefixes failed (first: ${day(B)}: listing failed: AccessDenied: Access Denied); 1 objects were queued`,
    );
    const sent = sqs.commandCalls(SendMessageBatchCommand);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0].args[0].input.Entries![0].MessageBody!)).toEqual({
      s3Bucket: ENV.TRAIL_BUCKET,
      s3ObjectKey: [key(A)],
    });
    expect(sent[0].args[0].input.QueueUrl).toBe(ENV.OBJECTS_QUEUE_URL);
    expect(
      dynamo.commandCalls(BatchWriteCommand)[0].args[0].input.RequestItems![ENV.POLL_STATE_TABLE],
    ).toHaveLength(1);
    expect(metric('ObjectsQueued')).toBe(1);
    expect(metric('PollFailures')).toBe(1);
    expect(published).toHaveBeenCalled();
    expect(log.error).toHaveBeenCalledWith(
      expect.stringContaining('some prefixes failed'),
      expect.objectContaining({
        accounts: 2,
        prefixes: 2,
        sent: 1,
        failedPrefixes: [{ prefix: day(B), error: expect.any(String) }],
      }),
    );
  });

  it('returns the summary and logs it when every prefix was listed', async () => {
    s3.on(ListObjectsV2Command, { Prefix: day(B) }).resolves({ Contents: [] });
    const { h, log, metric } = handler();
    const summary = await h({}, context());
    expect(summary).toMatchObject({
      accounts: 2,
      prefixes: 2,
      listed: 1,
      sent: 1,
      alreadySeen: 0,
      failedPrefixes: [],
    });
    expect(metric('ObjectsQueued')).toBe(1);
    expect(metric('PollFailures')).toBe(0);
    expect(log.info).toHaveBeenCalledWith('trail poll', expect.objectContaining({ sent: 1 }));
  });

  it('lists nothing when the Lambda is about to time out, and says so without failing', async () => {
    const { h, log } = handler();
    const summary = await h({}, context(10_000));
    expect(summary).toMatchObject({ stoppedBy: 'time', pages: 0, unfinished: 1, sent: 0 });
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
    expect(log.warn).toHaveBeenCalledWith(
      expect.stringContaining('stopped early (time)'),
      expect.any(Object),
    );
  });

  it('fails at once, naming the variable, when the environment is incomplete', async () => {
    const h = createPollerHandler({
      s3: new S3Client({ region: 'us-east-1' }),
      sqs: new SQSClient({ region: 'us-east-1' }),
      dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
      env: { ...ENV, OBJECTS_QUEUE_URL: undefined },
      logger: new Logger(),
      metrics: new Metrics({ namespace: 'TrailAlerts' }),
    });
    await expect(h({}, context())).rejects.toThrow('environment variable OBJECTS_QUEUE_URL is not set');
  });
});
