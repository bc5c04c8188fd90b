/**
 * Fault injection, analyzer side: the cold-start load (accounts.yaml, rules, directory, queue URL)
 * failing. The real analyzer handler (createAnalyzerHandler) with a loader that fails on demand,
 * S3 mocked, SQS mocked; a batch the handler throws on comes back whole, as SQS returns it.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { rmSync } from 'node:fs';
import { StaticAccountDirectory } from '../../src/org/directory';
import { decodeMatch } from '../../src/runtime/match-queue';
import type { Runtime } from '../../src/runtime/runtime';
import { BatchFailedError } from '../../src/runtime/sqs-batch';
import {
  analyzerHandler,
  deliver,
  fixture,
  key,
  logObject,
  objectMessage,
  recordingMetrics,
  serveObjects,
  stopLogging,
  type Fixture,
} from './analyzer-fixture';
import { ValidatingQueue } from './sqs-validating-queue';

const s3Mock = mockClient(S3Client);
const sqsMock = mockClient(SQSClient);
let fx: Fixture;
let queue: ValidatingQueue;

beforeAll(() => {
  fx = fixture();
});
afterAll(() => {
  rmSync(fx.rulesDir, { recursive: true, force: true });
  s3Mock.restore();
  sqsMock.restore();
});
beforeEach(() => {
  s3Mock.reset();
  sqsMock.reset();
  const objects = new Map<string, Buffer>();
  for (const name of ['a', 'b', 'c']) objects.set(key(name), logObject(stopLogging(`stop-${name}`)));
  serveObjects(s3Mock, objects);
  queue = new ValidatingQueue();
  sqsMock.on(SendMessageBatchCommand).callsFake(queue.sendMessageBatch);
});

/** A loader that fails while `failing()` says so (a throttled S3 read of the rules, a bad deploy …). */
function loader(failing: (call: number) => boolean) {
  let calls = 0;
  const load = async (): Promise<Runtime> => {
    calls++;
    if (failing(calls)) throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    return fx.runtime(new StaticAccountDirectory(fx.config));
  };
  return { load, calls: () => calls };
}

function handlerWith(load: () => Promise<Runtime>, matchesQueueUrl: string | null = 'https://sqs/matches') {
  const recorded = recordingMetrics();
  const handler = analyzerHandler({
    matchesQueueUrl: matchesQueueUrl ?? undefined,
    runtime: load,
    metrics: recorded.metrics,
  });
  return { handler, ...recorded };
}

describe('the loader rejecting once', () => {
  it('the message fails with a Lambda error, and its redelivery to the same container succeeds', async () => {
    const rt = loader((call) => call === 1);
    const { handler, sum } = handlerWith(rt.load);

    const first = await deliver(handler, [objectMessage(key('a'))]);
    expect(first.threw).toBeInstanceOf(BatchFailedError);
    expect(first.threw?.message).toMatch(
      /all 1 messages of the batch failed: cold-start load failed: Rate exceeded/,
    );
    expect(first.failed).toHaveLength(1);
    expect(queue.bodies).toHaveLength(0);

    // SQS delivers the message again (the handler threw): the load is tried again, not cached.
    const second = await deliver(handler, first.failed);
    expect(second).toMatchObject({ failed: [] });
    expect(second.threw).toBeUndefined();
    expect(queue.bodies.map((b) => decodeMatch(b).record.eventID)).toEqual(['stop-a']);
    expect(rt.calls()).toBe(2);
    expect(sum('ColdStartFailures')).toBe(1);

    // Loaded once and for all: later messages do not load again.
    await deliver(handler, [objectMessage(key('b'))]);
    expect(rt.calls()).toBe(2);
  });
});

describe('every message of a batch failing on the load', () => {
  it('the handler throws (one load per batch), until a load succeeds', async () => {
    const rt = loader((call) => call <= 2);
    const { handler, sum } = handlerWith(rt.load);
    const batch = ['a', 'b', 'c'].map((n) => objectMessage(key(n)));

    for (let i = 1; i <= 2; i++) {
      const res = await deliver(handler, batch);
      expect(res.threw).toBeInstanceOf(BatchFailedError);
      expect(res.threw?.message).toMatch(/^all 3 messages of the batch failed/);
      expect(rt.calls()).toBe(i);
    }
    expect(sum('ColdStartFailures')).toBe(6);
    const third = await deliver(handler, batch);
    expect(third).toMatchObject({ failed: [] });
    expect(queue.bodies).toHaveLength(3);
  });

  it('a missing MATCHES_QUEUE_URL is a load failure too: the container throws instead of failing quietly', async () => {
    delete process.env.MATCHES_QUEUE_URL;
    const { handler } = handlerWith(loader(() => false).load, null);
    const res = await deliver(handler, [objectMessage(key('a'))]);
    expect(res.threw?.message).toMatch(/environment variable MATCHES_QUEUE_URL is not set/);
  });

  it('messages failing for their own reasons keep the partial batch response (no throw)', async () => {
    const { handler, sum } = handlerWith(loader(() => false).load);
    const res = await deliver(handler, [objectMessage(key('a')), objectMessage(key('missing'))]);
    expect(res.threw).toBeUndefined();
    expect(res.failed).toEqual([objectMessage(key('missing'))]);
    expect(queue.bodies).toHaveLength(1);
    expect(sum('ObjectErrors')).toBe(1);

    // All of them failing, but not on the load: still a partial response, every item reported.
    const all = await deliver(handler, [objectMessage(key('missing'))]);
    expect(all.threw).toBeUndefined();
    expect(all.response?.batchItemFailures).toHaveLength(1);
  });
});
