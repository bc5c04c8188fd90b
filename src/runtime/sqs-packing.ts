/**
 * What SQS accepts, and sending within it: message and batch limits measured in UTF-8 bytes,
 * bodies escaped so that every character survives, and SendMessageBatch calls packed by size.
 * Shared by the analyzer's match sink (match-queue.ts, also the hunt worker's) and DLQ replay
 * (replay.ts), so the two never disagree about what fits.
 *
 * The limits, from the Amazon SQS API Reference (checked 2026-12; SQS raised them from 256 KiB on
 * 2026-01-29):
 * - SendMessageBatch: "The maximum allowed individual message size and the maximum total payload
 *   size (the sum of the individual lengths of all of the batched messages) are both 1 MiB
 *   1,048,576 bytes", at most 10 entries per call
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html).
 * - MessageAttributeValue: "All parts of the message attribute, including Name, Type, and Value,
 *   are part of the message size restriction (1 MiB or 1,048,576 bytes)"
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_MessageAttributeValue.html).
 * - SendMessage, MessageBody: only "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000
 *   to #x10FFFF" are allowed; "If a message contains characters outside the allowed set, Amazon
 *   SQS rejects the message and returns an InvalidMessageContents error"
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html;
 *   older revisions said the characters were replaced by U+FFFD instead: either way the value
 *   would not survive). A lone surrogate is outside the set too (it is no character: UTF-8
 *   cannot carry it, and the SDK would send U+FFFD).
 * A queue's own MaximumMessageSize can only lower the message limit; the stacks set it to 1 MiB.
 */
import {
  SendMessageBatchCommand,
  type MessageAttributeValue,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** Largest message SQS accepts: body and attributes, in UTF-8 bytes. */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
/** Largest SendMessageBatch payload: the sum of its messages' sizes, in UTF-8 bytes. */
export const SQS_MAX_BATCH_BYTES = 1_048_576;
/** Entries per SendMessageBatch call. */
export const SQS_MAX_BATCH_ENTRIES = 10;

/** One character (a code unit, or a lone surrogate) SQS does not accept. */
const REFUSED = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const REFUSED_ALL = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** True when SQS accepts every character of `text` (SQS's allowed set, above). */
export function isSqsSafe(text: string): boolean {
  return !REFUSED.test(text);
}

/**
 * `json` (a JSON text) with every character SQS refuses written as a `\uXXXX` escape. In valid
 * JSON such characters can only sit inside strings, where the escape means the same character:
 * JSON.parse of the result gives exactly what JSON.parse of `json` gives (U+FFFE, U+FFFF, control
 * characters and lone surrogates included). Text with nothing to escape is returned as it is.
 */
export function escapeJsonForSqs(json: string): string {
  if (!REFUSED.test(json)) return json;
  return json.replace(
    REFUSED_ALL,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
}

/** UTF-8 bytes of `text` (a lone surrogate counts as the 3 bytes of U+FFFD, as the SDK sends it). */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The size SQS counts for a message: its body and every attribute's name, type and value. */
export function messageBytes(body: string, attributes?: Record<string, MessageAttributeValue>): number {
  let bytes = utf8Bytes(body);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    bytes += utf8Bytes(name) + utf8Bytes(value.DataType ?? '');
    if (value.StringValue !== undefined) bytes += utf8Bytes(value.StringValue);
    if (value.BinaryValue !== undefined) bytes += value.BinaryValue.byteLength;
  }
  return bytes;
}

export interface PackLimits {
  maxEntries?: number;
  maxBytes?: number;
}

/**
 * Splits items, in order, into batches of at most `maxEntries` items and `maxBytes` in total. An
 * item larger than `maxBytes` on its own goes alone (callers check single items against the
 * message limit first: SQS would refuse it).
 */
export function packBatches<T>(
  items: readonly T[],
  sizeOf: (item: T) => number,
  limits: PackLimits = {},
): T[][] {
  const maxEntries = limits.maxEntries ?? SQS_MAX_BATCH_ENTRIES;
  const maxBytes = limits.maxBytes ?? SQS_MAX_BATCH_BYTES;
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length === maxEntries || (current.length > 0 && bytes + size > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** An entry to send, with its size as SQS counts it (messageBytes). */
export interface SizedEntry extends SendMessageBatchRequestEntry {
  Id: string;
  MessageBody: string;
  bytes: number;
}

export interface FailedEntry {
  Id: string;
  /** SQS's error code (InvalidMessageContents …), or the exception's name when the call failed. */
  code: string;
  message: string;
  /** SQS says the request was wrong (retrying the same entry will not help). */
  senderFault: boolean;
}

export interface SendBatchesResult {
  sent: string[];
  failed: FailedEntry[];
}

/**
 * Sends the entries with SendMessageBatch, packed by size (packBatches). Every batch is sent, even
 * after one failed: a refused entry never costs the others. Entries refused for a reason of SQS's
 * own (not a sender fault) are sent again up to `retries` times; a call that throws fails its
 * entries only. Returns the Ids sent and those that were not, with why.
 */
export async function sendBatches(
  sqs: SQSClient,
  queueUrl: string,
  entries: readonly SizedEntry[],
  options: { retries?: number } = {},
): Promise<SendBatchesResult> {
  const result: SendBatchesResult = { sent: [], failed: [] };
  const retries = options.retries ?? 1;
  for (const batch of packBatches(entries, (e) => e.bytes)) {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      let failures: FailedEntry[];
      try {
        const res = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: pending.map(({ Id, MessageBody, MessageAttributes }) =>
              MessageAttributes ? { Id, MessageBody, MessageAttributes } : { Id, MessageBody },
            ),
          }),
        );
        const byId = new Map((res.Failed ?? []).map((f) => [f.Id, f]));
        failures = [];
        for (const e of pending) {
          const f = byId.get(e.Id);
          if (!f) result.sent.push(e.Id);
          else
            failures.push({
              Id: e.Id,
              code: f.Code ?? 'Unknown',
              message: f.Message ?? '',
              senderFault: f.SenderFault === true,
            });
        }
      } catch (err) {
        const e = err as { name?: string; message?: string; $fault?: string };
        failures = pending.map((p) => ({
          Id: p.Id,
          code: e?.name ?? 'Error',
          message: e?.message ?? String(err),
          senderFault: e?.$fault === 'client',
        }));
      }
      const retryable = new Set(failures.filter((f) => !f.senderFault).map((f) => f.Id));
      if (attempt >= retries || retryable.size === 0) {
        result.failed.push(...failures);
        break;
      }
      result.failed.push(...failures.filter((f) => !retryable.has(f.Id)));
      pending = pending.filter((e) => retryable.has(e.Id));
    }
  }
  return result;
}
