/**
 * DLQ replay: messages move back to their queue, packed by size; deleted only once the target
 * accepted them; oversized or refused messages are reported and left in the DLQ.
 */
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { replayQueue } from '../../src/runtime/replay';
import { MIB, ValidatingQueue } from '../faults/sqs-validating-queue';

describe('replayQueue', () => {
  const sqs = mockClient(SQSClient);
  afterEach(() => sqs.reset());
  afterAll(() => sqs.restore());

  it('moves every message and deletes it from the DLQ', async () => {
    const queue = Array.from({ length: 23 }, (_, i) => ({
      MessageId: `m${i}`,
      ReceiptHandle: `rh${i}`,
      Body: `{"n":${i}}`,
    }));
    sqs
      .on(ReceiveMessageCommand)
      .callsFake((input) => ({ Messages: queue.splice(0, input.MaxNumberOfMessages ?? 10) }));
    sqs.on(SendMessageBatchCommand).callsFake((input) => ({
      Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id })),
      Failed: [],
    }));
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const result = await replayQueue({ sqs: new SQSClient({}), fromQueueUrl: 'dlq', toQueueUrl: 'q' });
    expect(result).toEqual({ received: 23, moved: 23, failed: 0, problems: [] });
    const sentBodies = sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((c) => c.args[0].input.Entries!.map((e) => e.MessageBody));
    expect(sentBodies).toEqual(Array.from({ length: 23 }, (_, i) => `{"n":${i}}`));
    const deleted = sqs
      .commandCalls(DeleteMessageBatchCommand)
      .flatMap((c) => c.args[0].input.Entries!.map((e) => e.ReceiptHandle));
    expect(deleted).toHaveLength(23);
  });

  it('sends with the target region’s client and receives and deletes with the DLQ’s', async () => {
    const queue = [{ MessageId: 'm0', ReceiptHandle: 'rh0', Body: '{"detail-type":"GuardDuty Finding"}' }];
    const regions: Record<string, string[]> = { receive: [], send: [], delete: [] };
    const regionOf = async (getClient: () => SQSClient) => String(await getClient().config.region());
    sqs.on(ReceiveMessageCommand).callsFake(async (input, getClient) => {
      regions.receive.push(await regionOf(getClient));
      return { Messages: queue.splice(0, input.MaxNumberOfMessages ?? 10) };
    });
    sqs.on(SendMessageBatchCommand).callsFake(async (input, getClient) => {
      regions.send.push(await regionOf(getClient));
      return { Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id })), Failed: [] };
    });
    sqs.on(DeleteMessageBatchCommand).callsFake(async (_input, getClient) => {
      regions.delete.push(await regionOf(getClient));
      return { Successful: [], Failed: [] };
    });
    const result = await replayQueue({
      sqs: new SQSClient({ region: 'eu-west-1' }),
      targetSqs: new SQSClient({ region: 'us-east-1' }),
      fromQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/222222222222/forward-dlq',
      toQueueUrl: 'https://sqs.us-east-1.amazonaws.com/222222222222/trailalerts-matches',
    });
    expect(result.moved).toBe(1);
    expect(new Set(regions.receive)).toEqual(new Set(['eu-west-1']));
    expect(regions.send).toEqual(['us-east-1']);
    expect(regions.delete).toEqual(['eu-west-1']);
  });

  it('leaves refused messages in the DLQ and counts them; honours --max and --dry-run', async () => {
    const queue = Array.from({ length: 5 }, (_, i) => ({
      MessageId: `m${i}`,
      ReceiptHandle: `rh${i}`,
      Body: `b${i}`,
    }));
    sqs
      .on(ReceiveMessageCommand)
      .callsFake((input) => ({ Messages: queue.splice(0, input.MaxNumberOfMessages ?? 10) }));
    sqs.on(SendMessageBatchCommand).callsFake((input) => ({
      Successful: input.Entries.filter((e: { Id: string }) => e.Id !== '1').map((e: { Id: string }) => ({
        Id: e.Id,
      })),
      Failed: [{ Id: '1', SenderFault: false, Code: 'InternalError' }],
    }));
    sqs.on(DeleteMessageBatchCommand).resolves({});
    const result = await replayQueue({
      sqs: new SQSClient({}),
      fromQueueUrl: 'dlq',
      toQueueUrl: 'q',
      max: 4,
    });
    expect(result).toEqual({
      received: 4,
      moved: 3,
      failed: 1,
      problems: [{ messageId: 'm1', bytes: 2, reason: 'refused by the target queue: InternalError' }],
    });
    const deleted = sqs
      .commandCalls(DeleteMessageBatchCommand)
      .flatMap((c) => c.args[0].input.Entries!.map((e) => e.ReceiptHandle));
    expect(deleted).toEqual(['rh0', 'rh2', 'rh3']);

    sqs.reset();
    const q2 = [{ MessageId: 'x', ReceiptHandle: 'r', Body: 'b' }];
    sqs.on(ReceiveMessageCommand).callsFake(() => ({ Messages: q2.splice(0, 10) }));
    const dry = await replayQueue({
      sqs: new SQSClient({}),
      fromQueueUrl: 'dlq',
      toQueueUrl: 'q',
      dryRun: true,
    });
    expect(dry).toEqual({ received: 1, moved: 0, failed: 0, problems: [] });
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('packs batches by size, as the analyzer does, and forwards attributes SQS can take', async () => {
    const queue = new ValidatingQueue();
    const dlq = Array.from({ length: 12 }, (_, i) => ({
      MessageId: `m${i}`,
      ReceiptHandle: `rh${i}`,
      // 300 KB each: three to a batch (1 MiB), not ten.
      Body: JSON.stringify({ n: i, pad: 'é'.repeat(150_000) }),
      MessageAttributes: {
        level: { DataType: 'String', StringValue: 'high', StringListValues: [], BinaryListValues: [] },
      },
    }));
    sqs
      .on(ReceiveMessageCommand)
      .callsFake((input) => ({ Messages: dlq.splice(0, input.MaxNumberOfMessages ?? 10) }));
    sqs.on(SendMessageBatchCommand).callsFake(queue.sendMessageBatch);
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const result = await replayQueue({ sqs: new SQSClient({}), fromQueueUrl: 'dlq', toQueueUrl: 'q' });
    expect(result).toEqual({ received: 12, moved: 12, failed: 0, problems: [] });
    const batches = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!);
    expect(batches.map((b) => b.length)).toEqual([3, 3, 3, 1, 2]);
    expect(queue.bodies.map((b) => (JSON.parse(b) as { n: number }).n)).toEqual(
      Array.from({ length: 12 }, (_, i) => i),
    );
    expect(batches[0][0].MessageAttributes).toEqual({ level: { DataType: 'String', StringValue: 'high' } });
  });

  it('reports an oversized or unsendable DLQ message and leaves it in place, never deleting it', async () => {
    const queue = new ValidatingQueue(256 * 1024);
    const big = { MessageId: 'big', ReceiptHandle: 'rh-big', Body: 'x'.repeat(MIB + 1) };
    const target = { MessageId: 'small-target', ReceiptHandle: 'rh-st', Body: 'y'.repeat(300_000) };
    let polls = 0;
    sqs.on(ReceiveMessageCommand).callsFake(() => {
      polls++;
      // The left messages come back (their visibility timeout ran out) while the replay runs.
      if (polls === 1)
        return { Messages: [big, { MessageId: 'ok', ReceiptHandle: 'rh-ok', Body: '{"n":1}' }, target] };
      if (polls === 2) return { Messages: [big, target] };
      return { Messages: [] };
    });
    sqs.on(SendMessageBatchCommand).callsFake(queue.sendMessageBatch);
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const result = await replayQueue({ sqs: new SQSClient({}), fromQueueUrl: 'dlq', toQueueUrl: 'q' });
    expect(result).toEqual({
      received: 3,
      moved: 1,
      failed: 2,
      problems: [
        {
          messageId: 'big',
          bytes: MIB + 1,
          reason: `${MIB + 1} bytes, over the message limit of ${MIB} bytes`,
        },
        {
          messageId: 'small-target',
          bytes: 300_000,
          reason: 'refused by the target queue: MessageTooLong MessageTooLong',
        },
      ],
    });
    const sent = sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((c) => c.args[0].input.Entries!.map((e) => e.MessageBody));
    expect(sent).toEqual(['{"n":1}', target.Body]);
    const deleted = sqs
      .commandCalls(DeleteMessageBatchCommand)
      .flatMap((c) => c.args[0].input.Entries!.map((e) => e.ReceiptHandle));
    expect(deleted).toEqual(['rh-ok']);

    // --max-message-bytes: the target's own limit, checked before sending; a dry run says what would stay.
    sqs.reset();
    const q2 = [big, target];
    sqs.on(ReceiveMessageCommand).callsFake(() => ({ Messages: q2.splice(0, 10) }));
    const dry = await replayQueue({
      sqs: new SQSClient({}),
      fromQueueUrl: 'dlq',
      toQueueUrl: 'q',
      dryRun: true,
      maxMessageBytes: 256 * 1024,
    });
    expect(dry.received).toBe(2);
    expect(dry.problems.map((p) => p.messageId)).toEqual(['big', 'small-target']);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
  });

  it('a message sent but not deleted is reported (it will be replayed again; the processor dedupes)', async () => {
    const dlq = [{ MessageId: 'a', ReceiptHandle: 'rh-a', Body: 'a' }];
    sqs.on(ReceiveMessageCommand).callsFake(() => ({ Messages: dlq.splice(0, 10) }));
    sqs.on(SendMessageBatchCommand).callsFake((input) => ({
      Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id })),
      Failed: [],
    }));
    sqs
      .on(DeleteMessageBatchCommand)
      .resolves({ Failed: [{ Id: '0', SenderFault: false, Code: 'InternalError' }] });
    const result = await replayQueue({ sqs: new SQSClient({}), fromQueueUrl: 'dlq', toQueueUrl: 'q' });
    expect(result.moved).toBe(1);
    expect(result.problems).toEqual([
      expect.objectContaining({ messageId: 'a', reason: expect.stringMatching(/not deleted from the DLQ/) }),
    ]);
  });
});
