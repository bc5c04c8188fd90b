/**
 * The analyzer logs one structured line per object (records, matches, rules loaded, duration,
 * and why it was skipped), the line CloudWatch Logs Insights queries filter on.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { rmSync } from 'node:fs';
import { StaticAccountDirectory } from '../../src/org/directory';
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
} from '../faults/analyzer-fixture';
import { ValidatingQueue } from '../faults/sqs-validating-queue';

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

it('logs one summary line per object, skipped objects with their reason', async () => {
  const objectKey = key('summary');
  serveObjects(s3Mock, new Map([[objectKey, logObject(stopLogging('a'), stopLogging('b'))]]));
  const queue = new ValidatingQueue();
  sqsMock.on(SendMessageBatchCommand).callsFake(queue.sendMessageBatch);
  const lines: { message: string; fields: Record<string, unknown> }[] = [];
  const logger = {
    info: (message: string, fields: Record<string, unknown>) => lines.push({ message, fields }),
    warn: () => undefined,
    error: () => undefined,
  } as unknown as Logger;
  const handler = analyzerHandler({
    runtime: async () => fx.runtime(new StaticAccountDirectory(fx.config)),
    logger,
    metrics: recordingMetrics().metrics,
  });
  const digestKey = objectKey.replace('/CloudTrail/', '/CloudTrail-Digest/');

  await deliver(handler, [objectMessage(objectKey), objectMessage(digestKey)]);

  // Messages of a batch run concurrently: order the lines by key (the digest sorts first).
  const summaries = lines
    .filter((l) => l.message === 'object analyzed')
    .map((l) => l.fields)
    .sort((a, b) => String(b.key).localeCompare(String(a.key)));
  expect(summaries).toEqual([
    expect.objectContaining({ key: objectKey, records: 2, matches: 2, durationMs: expect.any(Number) }),
    expect.objectContaining({
      key: digestKey,
      records: 0,
      matches: 0,
      skipped: expect.stringMatching(/not a CloudTrail log/),
    }),
  ]);
  expect(summaries[0].rulesLoaded).toBeGreaterThan(0);
  expect(summaries[0]).not.toHaveProperty('skipped');
});
