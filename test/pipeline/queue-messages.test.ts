/** Queue message formats: object notifications in, matches between analyzer and processor. */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { decodeMatch, encodeMatch, SqsMatchSink } from '../../lambdas/pipeline/match-queue';
import { objectRefsFromMessage } from '../../lambdas/pipeline/object-events';
import type { Match } from '../../lambdas/alerts/alert';

const match = (i: number, pad = 0): Match => ({
  rule: {
    id: `r${i}`,
    title: `Rule ${i}`,
    level: 'high',
    tags: [],
    references: [],
    falsepositives: [],
    file: 'rules/x.yml',
    line: 1,
  },
  record: { eventID: `e${i}`, eventName: 'StopLogging', pad: 'x'.repeat(pad) },
  source: { file: 's3://b/k', index: i },
  accountId: '444455556666',
});

describe('objectRefsFromMessage', () => {
  it('reads an EventBridge Object Created event (keys are not URL-encoded there)', () => {
    const body = JSON.stringify({
      'detail-type': 'Object Created',
      source: 'aws.s3',
      detail: {
        bucket: { name: 'org-trail' },
        object: { key: 'AWSLogs/o-a/1/CloudTrail/us-east-1/2026/11/20/a+b c.json.gz', size: 10 },
      },
    });
    expect(objectRefsFromMessage(body)).toEqual([
      { bucket: 'org-trail', key: 'AWSLogs/o-a/1/CloudTrail/us-east-1/2026/11/20/a+b c.json.gz', size: 10 },
    ]);
  });

  it('reads S3 event notifications and decodes their keys (+ is a space)', () => {
    const body = JSON.stringify({
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'b' }, object: { key: 'AWSLogs/x+y%C3%A9.json.gz', size: 3 } },
        },
        { eventName: 'ObjectRemoved:Delete', s3: { bucket: { name: 'b' }, object: { key: 'gone' } } },
      ],
    });
    expect(objectRefsFromMessage(body)).toEqual([{ bucket: 'b', key: 'AWSLogs/x yé.json.gz', size: 3 }]);
  });

  it('ignores the S3 test event and rejects anything else with a clear message', () => {
    expect(objectRefsFromMessage(JSON.stringify({ Event: 's3:TestEvent' }))).toEqual([]);
    expect(() => objectRefsFromMessage('not json')).toThrow(/not JSON/);
    expect(() => objectRefsFromMessage('{"hello":1}')).toThrow(
      /expected an EventBridge "Object Created" event/,
    );
  });
});

describe('match messages', () => {
  it('round-trips and rejects malformed bodies naming what is missing', () => {
    expect(decodeMatch(encodeMatch(match(1)))).toEqual(match(1));
    expect(() => decodeMatch('{')).toThrow(/not JSON/);
    expect(() => decodeMatch('{"rule":{}}')).toThrow(/rule.id/);
    expect(() => decodeMatch(JSON.stringify({ ...match(1), record: null }))).toThrow(/record/);
    expect(() => decodeMatch(JSON.stringify({ ...match(1), accountId: 4 }))).toThrow(/accountId/);
  });

  it('sends in batches of at most 10 entries and 1 MiB, retrying refused entries once', async () => {
    const sqs = mockClient(SQSClient);
    let calls = 0;
    sqs.on(SendMessageBatchCommand).callsFake((input) => {
      calls++;
      const total = input.Entries.reduce(
        (n: number, e: { MessageBody: string }) => n + Buffer.byteLength(e.MessageBody),
        0,
      );
      expect(input.Entries.length).toBeLessThanOrEqual(10);
      expect(total).toBeLessThanOrEqual(1024 * 1024);
      // Refuse the first entry of the first call only.
      return calls === 1
        ? { Successful: [], Failed: [{ Id: input.Entries[0].Id, SenderFault: false, Code: 'InternalError' }] }
        : { Successful: [], Failed: [] };
    });
    const sink = new SqsMatchSink(new SQSClient({}), 'https://sqs/q');
    await sink.send([
      ...Array.from({ length: 23 }, (_, i) => match(i)),
      match(99, 400_000),
      match(100, 400_000),
      match(101, 400_000),
    ]);
    const sent = sqs.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    // 26 messages, one of them sent twice (the retry of the refused entry).
    expect(sent.length).toBe(27);
    sqs.restore();
  });

  it('reports entries SQS refuses twice', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(SendMessageBatchCommand).callsFake((input) => ({
      Successful: [],
      Failed: input.Entries.map((e: { Id: string }) => ({ Id: e.Id, SenderFault: false, Code: 'X' })),
    }));
    await expect(new SqsMatchSink(new SQSClient({}), 'q').send([match(1)])).rejects.toThrow(
      /1 match messages were refused/,
    );
    sqs.restore();
  });
});
