/**
 * DLQ replay: moves the messages kept in a dead-letter queue back to the queue they came from,
 * after the cause (a damaged object fixed, a notifier back up, a rule corrected) is dealt with.
 * Bodies and attributes are forwarded as they are (SQS only ever holds what it accepted), packed
 * into SendMessageBatch calls by size as the analyzer's sink packs them (sqs-packing.ts).
 *
 * A message is deleted from the DLQ only after the target queue accepted it. A message that
 * cannot be sent (over the message limit, characters SQS refuses, or refused by the target queue)
 * is reported with why and left in the DLQ; it becomes visible there again after the receive's
 * visibility timeout, and this run does not try it again.
 */
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { isSqsSafe, messageBytes, sendBatches, SQS_MAX_MESSAGE_BYTES, type SizedEntry } from './sqs-packing';

export interface ReplayOptions {
  /** Receives from and deletes in the DLQ (a client of its region). */
  sqs: SQSClient;
  /** Sends to the target queue when it is in another region (default `sqs`). */
  targetSqs?: SQSClient;
  fromQueueUrl: string;
  toQueueUrl: string;
  /** Stop after this many messages (default: until the DLQ is empty). */
  max?: number;
  /** Only count what would move; the messages return to the DLQ after their visibility timeout. */
  dryRun?: boolean;
  /** The target queue's MaximumMessageSize (default SQS's 1 MiB, which the stacks set). */
  maxMessageBytes?: number;
  onProgress?: (moved: number) => void;
}

/** A message replay did not move, and why. */
export interface ReplayProblem {
  messageId: string;
  /** Size as SQS counts it (body and attributes, UTF-8 bytes). */
  bytes: number;
  reason: string;
}

export interface ReplayResult {
  /** Distinct messages received from the DLQ. */
  received: number;
  moved: number;
  /** Messages left in the DLQ because they could not be sent (each in `problems`). */
  failed: number;
  /** Why each message was left (in a dry run: the messages that would be). */
  problems: ReplayProblem[];
}

/** What SQS allows to be sent again of a received attribute (the list values are not implemented). */
function forwardable(
  attributes: Message['MessageAttributes'],
): Record<string, MessageAttributeValue> | undefined {
  if (!attributes || Object.keys(attributes).length === 0) return undefined;
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, v] of Object.entries(attributes)) {
    out[name] = {
      DataType: v.DataType,
      ...(v.StringValue !== undefined ? { StringValue: v.StringValue } : {}),
      ...(v.BinaryValue !== undefined ? { BinaryValue: v.BinaryValue } : {}),
    };
  }
  return out;
}

/** Why a received message cannot be sent as it is, or undefined. */
function unsendable(body: string, bytes: number, maxBytes: number): string | undefined {
  if (body.length === 0) return 'empty body';
  if (bytes > maxBytes) return `${bytes} bytes, over the message limit of ${maxBytes} bytes`;
  if (!isSqsSafe(body)) return 'body holds characters SQS refuses';
  return undefined;
}

export async function replayQueue(options: ReplayOptions): Promise<ReplayResult> {
  const { sqs, fromQueueUrl, toQueueUrl } = options;
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const maxBytes = options.maxMessageBytes ?? SQS_MAX_MESSAGE_BYTES;
  const result: ReplayResult = { received: 0, moved: 0, failed: 0, problems: [] };
  // Messages already handled in this run: a message left in the DLQ comes back after the
  // visibility timeout and is neither counted nor tried again.
  const seen = new Set<string>();
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
    const messages = (batch.Messages ?? []).filter((m, i) => {
      const id = m.MessageId ?? `${m.ReceiptHandle ?? ''}#${i}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    if (messages.length === 0) {
      emptyPolls++;
      continue;
    }
    emptyPolls = 0;
    result.received += messages.length;

    const entries: SizedEntry[] = [];
    messages.forEach((m, i) => {
      const body = m.Body ?? '';
      const attributes = forwardable(m.MessageAttributes);
      const bytes = messageBytes(body, attributes);
      const problem = unsendable(body, bytes, maxBytes);
      if (problem) {
        result.failed++;
        result.problems.push({ messageId: m.MessageId ?? '?', bytes, reason: problem });
        return;
      }
      entries.push({
        Id: String(i),
        MessageBody: body,
        ...(attributes ? { MessageAttributes: attributes } : {}),
        bytes,
      });
    });
    if (options.dryRun || entries.length === 0) continue;

    const sent = await sendBatches(options.targetSqs ?? sqs, toQueueUrl, entries, { retries: 1 });
    for (const f of sent.failed) {
      const m = messages[Number(f.Id)];
      const entry = entries.find((e) => e.Id === f.Id)!;
      result.failed++;
      result.problems.push({
        messageId: m.MessageId ?? '?',
        bytes: entry.bytes,
        reason: `refused by the target queue: ${f.code}${f.message ? ` ${f.message}` : ''}`,
      });
    }
    const toDelete = sent.sent.map((id) => ({
      Id: id,
      ReceiptHandle: messages[Number(id)].ReceiptHandle ?? '',
    }));
    for (let at = 0; at < toDelete.length; at += 10) {
      const chunk = toDelete.slice(at, at + 10);
      const deleted = await sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: fromQueueUrl, Entries: chunk }),
      );
      const notDeleted = new Set((deleted.Failed ?? []).map((f) => f.Id));
      for (const e of chunk) {
        const m = messages[Number(e.Id)];
        if (notDeleted.has(e.Id))
          result.problems.push({
            messageId: m.MessageId ?? '?',
            bytes: entries.find((x) => x.Id === e.Id)!.bytes,
            reason: 'sent, but not deleted from the DLQ: it will be replayed again (the processor dedupes)',
          });
      }
      result.moved += chunk.length;
      options.onProgress?.(result.moved);
    }
  }
  return result;
}
