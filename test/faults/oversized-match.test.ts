/**
 * Fault injection, analyzer side: matches SQS cannot take as they are, through the real analyzer
 * handler (createAnalyzerHandler) with S3 mocked and a matches queue that applies SQS's rules
 * (size in UTF-8 bytes, per message and per batch; the allowed characters).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { rmSync } from 'node:fs';
import { StaticAccountDirectory } from '../../src/org/directory';
import { decodeMatch } from '../../src/runtime/match-queue';
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
  STOP_ID,
  type Fixture,
} from './analyzer-fixture';
import { MIB, refusedCodePoint, ValidatingQueue } from './sqs-validating-queue';

const s3Mock = mockClient(S3Client);
const sqsMock = mockClient(SQSClient);
let fx: Fixture;

beforeAll(() => {
  fx = fixture();
});
afterAll(() => {
  rmSync(fx.rulesDir, { recursive: true, force: true });
  s3Mock.restore();
  sqsMock.restore();
});

function setup(objects: Map<string, Buffer>) {
  s3Mock.reset();
  sqsMock.reset();
  serveObjects(s3Mock, objects);
  const queue = new ValidatingQueue();
  sqsMock.on(SendMessageBatchCommand).callsFake(queue.sendMessageBatch);
  const { metrics, sum } = recordingMetrics();
  const handler = analyzerHandler({
    runtime: async () => fx.runtime(new StaticAccountDirectory(fx.config)),
    metrics,
  });
  return { handler, queue, sum };
}

describe('a 1.5 MiB match among 49 small ones', () => {
  it('all 50 matches reach the queue: the big one trimmed and marked, nothing else touched, no retry', async () => {
    // 262,144 × U+FFFF: 768 KiB of UTF-8 in the object (under the reader's 1 MiB), 1.5 MiB in the
    // message once escaped so SQS takes it.
    const hostile = '\uFFFF'.repeat(262_144);
    const records = Array.from({ length: 50 }, (_, i) =>
      i === 23 ? stopLogging('big', { requestParameters: { name: hostile } }) : stopLogging(`small-${i}`),
    );
    const objectKey = key('oversized');
    const { handler, queue, sum } = setup(new Map([[objectKey, logObject(...records)]]));

    const first = await deliver(handler, [objectMessage(objectKey)]);

    expect(first).toMatchObject({ failed: [] });
    expect(first.threw).toBeUndefined();
    expect(queue.refused).toEqual([]);
    expect(queue.bodies).toHaveLength(50);
    const matches = queue.bodies.map(decodeMatch);
    expect(new Set(matches.map((m) => m.record.eventID)).size).toBe(50);
    const big = matches.find((m) => m.record.eventID === 'big')!;
    expect(big.truncated).toEqual(['requestParameters']);
    expect(big.record).not.toHaveProperty('requestParameters');
    expect(big.rule.id).toBe(STOP_ID);
    expect(big.source).toEqual({ file: `s3://org-trail-logs/${objectKey}`, index: 23 });
    for (const m of matches.filter((x) => x !== big)) {
      expect(m.truncated).toBeUndefined();
      expect(m.record.requestParameters).toEqual({ name: 'x' });
    }
    for (const b of queue.bodies) expect(Buffer.byteLength(b)).toBeLessThanOrEqual(MIB);
    expect(sum('MatchesTruncated')).toBe(1);
    expect(sum('ObjectErrors')).toBe(0);
    expect(sum('Matches')).toBe(50);
  });
});

describe("a record over the reader's limit (1 MiB of UTF-8)", () => {
  it('is skipped and reported by record; the other matches of the object are sent; the object is retried', async () => {
    // 400,000 × € is 400,000 characters (under the old character limit) but 1.2 MB of UTF-8.
    const records = [
      stopLogging('before'),
      stopLogging('huge', { requestParameters: { v: '€'.repeat(400_000) } }),
      stopLogging('after'),
    ];
    const objectKey = key('huge-record');
    const { handler, queue, sum } = setup(new Map([[objectKey, logObject(...records)]]));

    const result = await deliver(handler, [objectMessage(objectKey)]);

    expect(queue.bodies.map((b) => decodeMatch(b).record.eventID)).toEqual(['before', 'after']);
    expect(queue.refused).toEqual([]);
    // A damaged object: its good records were analyzed, and it is retried, then kept in the DLQ.
    expect(result.failed).toEqual([objectMessage(objectKey)]);
    expect(result.threw).toBeUndefined();
    expect(sum('ObjectErrors')).toBe(1);
  });
});

describe('characters SQS refuses in an event value', () => {
  it('a StopLogging match whose userAgent holds U+FFFE, U+FFFF and a lone surrogate is accepted and round-trips exactly', async () => {
    const userAgent = 'aws-cli/2.22.4 \uFFFE\uFFFF \uD800 \u0007 end';
    // As a log object holds it: U+FFFE and U+FFFF as UTF-8, the lone surrogate and the control
    // character as JSON escapes (UTF-8 cannot carry a lone surrogate).
    const body = logObject(stopLogging('odd', { userAgent }));
    const objectKey = key('odd-characters');
    const { handler, queue } = setup(new Map([[objectKey, body]]));

    const result = await deliver(handler, [objectMessage(objectKey)]);

    expect(result.failed).toEqual([]);
    expect(queue.refused).toEqual([]);
    expect(queue.bodies).toHaveLength(1);
    expect(refusedCodePoint(queue.bodies[0])).toBeUndefined();
    expect(decodeMatch(queue.bodies[0]).record.userAgent).toBe(userAgent);
    expect(decodeMatch(queue.bodies[0]).record).toEqual(stopLogging('odd', { userAgent }));
  });
});
