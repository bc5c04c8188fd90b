/** Queue message formats: object notifications in, matches between analyzer and processor. */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { decodeMatch, encodeMatch, SqsMatchSink } from '../../src/runtime/match-queue';
import { encodeCloudTrailNotification, objectRefsFromMessage } from '../../src/runtime/object-events';
import type { Match } from '../../src/alerts/alert';

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

describe('objectRefsFromMessage: CloudTrail log-file notifications (SNS)', () => {
  const LOG = 'o-abc123defg/AWSLogs/o-abc123defg/444455556666/CloudTrail/eu-west-1/2026/11/20/';
  const key1 = `${LOG}444455556666_CloudTrail_eu-west-1_20261120T1005Z_a+b%20c.json.gz`;
  const key2 = `${LOG}444455556666_CloudTrail_eu-west-1_20261120T1010Z_Xyz.json.gz`;
  const cloudTrail = { s3Bucket: 'aws-controltower-logs-333333333333-us-east-1', s3ObjectKey: [key1, key2] };
  /** SNS without raw message delivery: the publisher's body as a string in Message. */
  const envelope = (message: unknown, type = 'Notification') =>
    JSON.stringify({
      Type: type,
      MessageId: 'b1e5c1a4-0000-4000-8000-000000000001',
      TopicArn: 'arn:aws:sns:us-east-1:444444444444:aws-controltower-AllConfigNotifications',
      Message: typeof message === 'string' ? message : JSON.stringify(message),
      Timestamp: '2026-11-20T10:11:00.000Z',
      SignatureVersion: '1',
    });

  it('returns one reference per key, keys as they are (CloudTrail does not URL-encode them)', () => {
    const refs = [
      { bucket: cloudTrail.s3Bucket, key: key1 },
      { bucket: cloudTrail.s3Bucket, key: key2 },
    ];
    expect(objectRefsFromMessage(JSON.stringify(cloudTrail))).toEqual(refs);
    expect(objectRefsFromMessage(envelope(cloudTrail))).toEqual(refs);
  });

  it('accepts s3ObjectKey as a single string, raw and in an envelope', () => {
    const single = { s3Bucket: 'trail', s3ObjectKey: key1 };
    expect(objectRefsFromMessage(JSON.stringify(single))).toEqual([{ bucket: 'trail', key: key1 }]);
    expect(objectRefsFromMessage(envelope(single))).toEqual([{ bucket: 'trail', key: key1 }]);
  });

  it('reads what the poller sends (encodeCloudTrailNotification)', () => {
    expect(objectRefsFromMessage(encodeCloudTrailNotification('trail', [key2]))).toEqual([
      { bucket: 'trail', key: key2 },
    ]);
    expect(JSON.parse(encodeCloudTrailNotification('trail', [key2]))).toEqual({
      s3Bucket: 'trail',
      s3ObjectKey: [key2],
    });
  });

  it('also unwraps S3 event notifications published through SNS', () => {
    const s3Event = {
      Records: [
        { eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: 'a+b.json.gz' } } },
      ],
    };
    expect(objectRefsFromMessage(envelope(s3Event))).toEqual([
      { bucket: 'b', key: 'a b.json.gz', size: undefined },
    ]);
    expect(objectRefsFromMessage(envelope({ Service: 'Amazon S3', Event: 's3:TestEvent' }))).toEqual([]);
  });

  it.each([
    ['a Config item change, raw', JSON.stringify({ messageType: 'ConfigurationItemChangeNotification' })],
    [
      // Config's deliveries name a bucket and key too, of Config files: never analyzed as a trail.
      'a Config snapshot delivery, in an envelope',
      envelope({
        configSnapshotId: 'f1e2d3c4',
        s3ObjectKey: 'AWSLogs/444455556666/Config/us-east-1/2026/11/20/ConfigSnapshot/x.json.gz',
        s3Bucket: 'aws-controltower-logs-333333333333-us-east-1',
        notificationCreationTime: '2026-11-20T10:00:00.000Z',
        messageType: 'ConfigurationSnapshotDeliveryCompleted',
        recordVersion: '1.1',
      }),
    ],
    [
      'a Config history delivery, raw',
      JSON.stringify({
        s3ObjectKey: 'AWSLogs/444455556666/Config/us-east-1/2026/11/20/ConfigHistory/y.json.gz',
        s3Bucket: 'aws-controltower-logs-333333333333-us-east-1',
        messageType: 'ConfigurationHistoryDeliveryCompleted',
      }),
    ],
    [
      'an oversized Config item, in an envelope',
      envelope({ messageType: 'OversizedConfigurationItemChangeNotification' }),
    ],
    [
      'an SNS subscription confirmation',
      JSON.stringify({
        Type: 'SubscriptionConfirmation',
        Message: 'You have chosen to subscribe…',
        SubscribeURL: 'https://sns',
      }),
    ],
    ['an SNS unsubscribe confirmation', JSON.stringify({ Type: 'UnsubscribeConfirmation', Message: 'x' })],
  ])('recognizes %s and returns nothing to analyze', (_what, body) => {
    expect(objectRefsFromMessage(body)).toEqual([]);
  });

  it('rejects malformed CloudTrail notifications naming the field and what was expected', () => {
    expect(() => objectRefsFromMessage(JSON.stringify({ s3Bucket: '', s3ObjectKey: [key1] }))).toThrow(
      'CloudTrail notification s3Bucket: expected a non-empty string',
    );
    expect(() => objectRefsFromMessage(JSON.stringify({ s3Bucket: 'b', s3ObjectKey: [key1, 7] }))).toThrow(
      'CloudTrail notification s3ObjectKey: expected a non-empty string or an array of them',
    );
    expect(() => objectRefsFromMessage(envelope({ s3Bucket: 'b' }))).toThrow(/s3ObjectKey: expected/);
  });

  it('rejects unrecognised bodies, listing the accepted shapes and the keys it saw (never values)', () => {
    let message = '';
    try {
      objectRefsFromMessage(JSON.stringify({ hello: 'secret-value', other: 1 }));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^object message has keys "hello", "other"; expected/);
    for (const shape of [
      '"Object Created"',
      '{"Records"',
      '"s3Bucket"',
      '"messageType"',
      '"Type":"Notification"',
    ])
      expect(message).toContain(shape);
    expect(message).not.toContain('secret-value');
    expect(() => objectRefsFromMessage('[1,2]')).toThrow(/object message is an array; expected/);
    expect(() => objectRefsFromMessage('null')).toThrow(/object message is null; expected/);
    expect(() => objectRefsFromMessage(envelope('plain text, not JSON'))).toThrow(
      /SNS notification Message is not JSON/,
    );
    expect(() => objectRefsFromMessage(envelope({ foo: 1 }))).toThrow(
      /SNS notification Message has keys "foo"; expected/,
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
      /1 of 1 match messages were not sent .*refused by SQS: X/,
    );
    // Refused for SQS's own reasons: tried twice.
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(2);
    sqs.restore();
  });
});
