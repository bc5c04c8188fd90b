/**
 * DLQ replay: moves the messages kept in a dead-letter queue back to the queue they came from,
 * after the cause (a damaged object fixed, a notifier back up, a rule corrected) is dealt with.
 * A message is deleted from the DLQ only after the target queue accepted it.
 */
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export interface ReplayOptions {
  sqs: SQSClient;
  fromQueueUrl: string;
  toQueueUrl: string;
  /** Stop after this many messages (default: until the DLQ is empty). */
  max?: number;
  /** Only count what would move; the messages return to the DLQ after their visibility timeout. */
  dryRun?: boolean;
  onProgress?: (moved: number) => void;
}

export interface ReplayResult {
  received: number;
  moved: number;
  failed: number;
}

export async function replayQueue(options: ReplayOptions): Promise<ReplayResult> {
  const { sqs, fromQueueUrl, toQueueUrl } = options;
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const result: ReplayResult = { received: 0, moved: 0, failed: 0 };
  let emptyPolls = 0;
  while (result.received < max && emptyPolls < 2) {
    const batch = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: fromQueueUrl,
        MaxNumberOfMessages: Math.min(10, max - result.received),
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = batch.Messages ?? [];
    if (messages.length === 0) {
      emptyPolls++;
      continue;
    }
    emptyPolls = 0;
    result.received += messages.length;
    if (options.dryRun) continue;
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: toQueueUrl,
        Entries: messages.map((m, i) => ({
          Id: String(i),
          MessageBody: m.Body ?? '',
          MessageAttributes: m.MessageAttributes,
        })),
      }),
    );
    const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
    result.failed += messages.length - ok.size;
    const toDelete = messages
      .map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' }))
      .filter((e) => ok.has(e.Id));
    if (toDelete.length > 0) {
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: fromQueueUrl, Entries: toDelete }));
      result.moved += toDelete.length;
      options.onProgress?.(result.moved);
    }
  }
  return result;
}
