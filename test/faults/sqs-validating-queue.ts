/**
 * A SendMessageBatch stand-in that applies SQS's rules (written independently of
 * src/runtime/sqs-packing.ts, from the API reference): at most 10 entries with distinct Ids,
 * each message at most 1 MiB and the batch at most 1 MiB in UTF-8 (attributes included), and only
 * the characters #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF in a body.
 * Accepted bodies are kept as SQS delivers them (through UTF-8).
 */
import type { MessageAttributeValue, SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';

export const MIB = 1_048_576;

/** The first code point SQS refuses in `text`, or undefined. */
export function refusedCodePoint(text: string): number | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      return c;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return c;
    if (c === 0x9 || c === 0xa || c === 0xd) continue;
    if (c < 0x20 || c === 0xfffe || c === 0xffff) return c;
  }
  return undefined;
}

function size(body: string, attributes?: Record<string, MessageAttributeValue>): number {
  let n = Buffer.byteLength(body, 'utf8');
  for (const [name, v] of Object.entries(attributes ?? {}))
    n +=
      Buffer.byteLength(name) +
      Buffer.byteLength(v.DataType ?? '') +
      (v.StringValue !== undefined ? Buffer.byteLength(v.StringValue) : 0) +
      (v.BinaryValue?.byteLength ?? 0);
  return n;
}

class SqsError extends Error {
  readonly $fault = 'client';
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export class ValidatingQueue {
  /** Accepted message bodies, as a consumer would receive them. */
  readonly bodies: string[] = [];
  /** Refused entries with the reason. */
  readonly refused: { id: string; code: string }[] = [];
  calls = 0;

  constructor(private readonly maxMessageBytes = MIB) {}

  /** For aws-sdk-client-mock: `sqsMock.on(SendMessageBatchCommand).callsFake(queue.sendMessageBatch)`. */
  readonly sendMessageBatch = (input: SendMessageBatchCommandInput) => {
    this.calls++;
    const entries = input.Entries ?? [];
    if (entries.length === 0) throw new SqsError('EmptyBatchRequest', 'no entries');
    if (entries.length > 10) throw new SqsError('TooManyEntriesInBatchRequest', `${entries.length} entries`);
    if (new Set(entries.map((e) => e.Id)).size !== entries.length)
      throw new SqsError('BatchEntryIdsNotDistinct', 'duplicate ids');
    const total = entries.reduce((n, e) => n + size(e.MessageBody ?? '', e.MessageAttributes), 0);
    if (total > MIB) throw new SqsError('BatchRequestTooLong', `batch of ${total} bytes`);
    const Successful: { Id: string; MessageId: string; MD5OfMessageBody: string }[] = [];
    const Failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
    for (const e of entries) {
      const body = e.MessageBody ?? '';
      let code: string | undefined;
      if (body.length === 0) code = 'MissingParameter';
      else if (size(body, e.MessageAttributes) > this.maxMessageBytes) code = 'MessageTooLong';
      else if (refusedCodePoint(body) !== undefined) code = 'InvalidMessageContents';
      if (code) {
        this.refused.push({ id: e.Id!, code });
        Failed.push({ Id: e.Id!, SenderFault: true, Code: code, Message: code });
        continue;
      }
      this.bodies.push(Buffer.from(body, 'utf8').toString('utf8'));
      Successful.push({ Id: e.Id!, MessageId: `m${this.bodies.length}`, MD5OfMessageBody: '' });
    }
    return { Successful, Failed };
  };
}
