/**
 * The poller's AWS adapters against aws-sdk-client-mock: how S3 pages become listing pages, how
 * DynamoDB's UnprocessedKeys / UnprocessedItems and SQS's Failed entries are retried, and the
 * batch limits of each call.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { SqsObjectsQueue } from '../../src/poller/objects-queue';
import { S3TrailListing } from '../../src/poller/s3-listing';
import { DynamoSeenKeys } from '../../src/poller/seen-keys';

const s3Mock = mockClient(S3Client);
const dynamoMock = mockClient(DynamoDBDocumentClient);
const sqsMock = mockClient(SQSClient);

afterAll(() => {
  s3Mock.restore();
  dynamoMock.restore();
  sqsMock.restore();
});

beforeEach(() => {
  s3Mock.reset();
  dynamoMock.reset();
  sqsMock.reset();
});

const keys = (n: number) =>
  Array.from({ length: n }, (_, i) => `AWSLogs/o-abc123defg/1/k${String(i).padStart(3, '0')}`);

describe('S3TrailListing', () => {
  it('sends StartAfter on the first page only, then the continuation token; maps folders and keys', async () => {
    s3Mock
      .on(ListObjectsV2Command)
      .resolvesOnce({
        Contents: [{ Key: 'p/a.json.gz' }, {}],
        CommonPrefixes: [{ Prefix: 'p/f/' }],
        IsTruncated: true,
        NextContinuationToken: 'tok-1',
      })
      .resolvesOnce({ Contents: [{ Key: 'p/b.json.gz' }], IsTruncated: false });
    const listing = new S3TrailListing({
      s3: new S3Client({ region: 'us-east-1' }),
      bucket: 'trail',
      pageSize: 2,
    });
    expect(await listing.page({ prefix: 'p/', delimiter: '/', startAfter: 'p/0' })).toEqual({
      keys: ['p/a.json.gz'],
      folders: ['p/f/'],
      next: 'tok-1',
    });
    expect(await listing.page({ prefix: 'p/', delimiter: '/', startAfter: 'p/0', token: 'tok-1' })).toEqual({
      keys: ['p/b.json.gz'],
      folders: [],
      next: undefined,
    });
    const inputs = s3Mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    expect(inputs[0]).toEqual({
      Bucket: 'trail',
      Prefix: 'p/',
      Delimiter: '/',
      StartAfter: 'p/0',
      MaxKeys: 2,
    });
    expect(inputs[1]).toEqual({
      Bucket: 'trail',
      Prefix: 'p/',
      Delimiter: '/',
      ContinuationToken: 'tok-1',
      MaxKeys: 2,
    });
  });
});

describe('DynamoSeenKeys', () => {
  const doc = () => DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  const sleeps: number[] = [];
  const seenKeys = (attempts?: number) =>
    new DynamoSeenKeys({
      client: doc(),
      tableName: 'poll-state',
      ttlSeconds: 90_000,
      now: () => Date.parse('2026-11-20T12:00:00Z'),
      retry: { attempts, sleep: async (ms) => void sleeps.push(ms) },
    });

  beforeEach(() => (sleeps.length = 0));

  it('looks keys up 100 at a time, consistently, retrying UnprocessedKeys with backoff', async () => {
    const stored = new Set(keys(230).filter((_, i) => i % 3 === 0));
    let calls = 0;
    dynamoMock.on(BatchGetCommand).callsFake((input) => {
      calls++;
      const request = input.RequestItems['poll-state'];
      expect(request.Keys.length).toBeLessThanOrEqual(100);
      expect(request.ConsistentRead).toBe(true);
      // The first call leaves its last 5 keys unprocessed.
      const done = calls === 1 ? request.Keys.slice(0, -5) : request.Keys;
      return {
        Responses: {
          'poll-state': done
            .filter((k: { pk: string }) => stored.has(k.pk.slice('poll#'.length)))
            .map((k: { pk: string }) => ({ pk: k.pk })),
        },
        UnprocessedKeys: calls === 1 ? { 'poll-state': { Keys: request.Keys.slice(-5) } } : {},
      };
    });
    const found = await seenKeys().seen([...keys(230), keys(230)[0]]);
    expect(found).toEqual(stored);
    expect(calls).toBe(4);
    expect(sleeps).toEqual([100]);
    const first = dynamoMock.commandCalls(BatchGetCommand)[0].args[0].input.RequestItems!['poll-state'];
    expect(first.Keys![0]).toEqual({ pk: `poll#${keys(1)[0]}`, sk: 'seen' });
  });

  it('gives up on keys DynamoDB keeps unprocessed, naming the table', async () => {
    dynamoMock.on(BatchGetCommand).callsFake((input) => ({
      Responses: {},
      UnprocessedKeys: { 'poll-state': { Keys: input.RequestItems['poll-state'].Keys } },
    }));
    await expect(seenKeys(3).seen(keys(4))).rejects.toThrow(
      'BatchGetItem on poll-state: 4 keys still unprocessed after retries',
    );
    expect(sleeps).toEqual([100, 200]);
  });

  it('records keys 25 at a time with the TTL, retrying UnprocessedItems', async () => {
    let calls = 0;
    const written: Record<string, unknown>[] = [];
    dynamoMock.on(BatchWriteCommand).callsFake((input) => {
      calls++;
      const requests = input.RequestItems['poll-state'];
      expect(requests.length).toBeLessThanOrEqual(25);
      const left = calls === 2 ? requests.slice(0, 3) : [];
      for (const r of requests.slice(left.length)) written.push(r.PutRequest.Item);
      return { UnprocessedItems: left.length ? { 'poll-state': left } : {} };
    });
    await seenKeys().record(keys(60));
    expect(written).toHaveLength(60);
    expect(calls).toBe(4);
    expect(written[0]).toEqual({
      pk: `poll#${keys(1)[0]}`,
      sk: 'seen',
      ttl: Date.parse('2026-11-20T12:00:00Z') / 1000 + 90_000,
    });
  });

  it('gives up on items DynamoDB keeps unprocessed, naming the table', async () => {
    dynamoMock.on(BatchWriteCommand).callsFake((input) => ({ UnprocessedItems: input.RequestItems }));
    await expect(seenKeys(2).record(keys(3))).rejects.toThrow(
      'BatchWriteItem on poll-state: 3 items still unprocessed after retries',
    );
  });
});

describe('SqsObjectsQueue', () => {
  const sleeps: number[] = [];
  const queue = () =>
    new SqsObjectsQueue({
      sqs: new SQSClient({ region: 'us-east-1' }),
      queueUrl: 'https://sqs.us-east-1.amazonaws.com/222222222222/objects',
      retry: { sleep: async (ms) => void sleeps.push(ms) },
    });

  beforeEach(() => (sleeps.length = 0));

  it('sends one CloudTrail notification per key, 10 per call', async () => {
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    expect(await queue().send('trail', keys(23))).toEqual([]);
    const calls = sqsMock.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.Entries!.length)).toEqual([10, 10, 3]);
    expect(calls[0].QueueUrl).toBe('https://sqs.us-east-1.amazonaws.com/222222222222/objects');
    expect(JSON.parse(calls[2].Entries![2].MessageBody!)).toEqual({
      s3Bucket: 'trail',
      s3ObjectKey: [keys(23)[22]],
    });
  });

  it('retries Failed entries with backoff and returns those SQS keeps refusing, with its reason', async () => {
    sqsMock.on(SendMessageBatchCommand).callsFake((input) => ({
      Successful: [],
      Failed: input.Entries.filter((e: { MessageBody: string }) => e.MessageBody.includes('k001')).map(
        (e: { Id: string }) => ({ Id: e.Id, SenderFault: false, Code: 'InternalError' }),
      ),
    }));
    expect(await queue().send('trail', keys(3))).toEqual([{ key: keys(3)[1], error: 'InternalError' }]);
    expect(sqsMock.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.length)).toEqual(
      [3, 1, 1, 1],
    );
    expect(sleeps).toEqual([100, 200, 400]);
  });
});
