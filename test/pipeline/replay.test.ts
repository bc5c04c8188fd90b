/** DLQ replay: messages move back to their queue; deleted only once the target accepted them. */
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { replayQueue } from '../../lambdas/pipeline/replay';

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
    expect(result).toEqual({ received: 23, moved: 23, failed: 0 });
    const sentBodies = sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((c) => c.args[0].input.Entries!.map((e) => e.MessageBody));
    expect(sentBodies).toEqual(Array.from({ length: 23 }, (_, i) => `{"n":${i}}`));
    const deleted = sqs
      .commandCalls(DeleteMessageBatchCommand)
      .flatMap((c) => c.args[0].input.Entries!.map((e) => e.ReceiptHandle));
    expect(deleted).toHaveLength(23);
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
    expect(result).toEqual({ received: 4, moved: 3, failed: 1 });
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
    expect(dry).toEqual({ received: 1, moved: 0, failed: 0 });
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });
});
