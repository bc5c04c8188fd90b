/**
 * The objects-queue port on SQS: one message per key, in CloudTrail's own notification shape
 * (`{"s3Bucket":…,"s3ObjectKey":[key]}`), so the analyzer reads polled keys exactly as it reads
 * CloudTrail's SNS notifications. Failed entries are retried; what SQS still refuses is returned.
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { encodeCloudTrailNotification } from '../runtime';
import type { ObjectsQueue, RefusedKey } from './ports';
import { retryLeftovers, type LeftoverRetryOptions } from './retry-leftovers';

export interface SqsObjectsQueueOptions {
  sqs: SQSClient;
  queueUrl: string;
  retry?: LeftoverRetryOptions;
}

/** SQS's limit of entries per SendMessageBatch call. */
const SEND_BATCH = 10;

interface Entry {
  Id: string;
  MessageBody: string;
  key: string;
  error?: string;
}

export class SqsObjectsQueue implements ObjectsQueue {
  constructor(private readonly options: SqsObjectsQueueOptions) {}

  async send(bucket: string, keys: string[]): Promise<RefusedKey[]> {
    const refused: RefusedKey[] = [];
    for (let i = 0; i < keys.length; i += SEND_BATCH) {
      const entries: Entry[] = keys.slice(i, i + SEND_BATCH).map((key, n) => ({
        Id: String(n),
        MessageBody: encodeCloudTrailNotification(bucket, [key]),
        key,
      }));
      const left = await retryLeftovers(entries, (batch) => this.sendBatch(batch), this.options.retry);
      for (const e of left) refused.push({ key: e.key, error: e.error ?? 'refused by SQS' });
    }
    return refused;
  }

  /** One SendMessageBatch call; returns the entries SQS did not accept, each with why. */
  private async sendBatch(entries: Entry[]): Promise<Entry[]> {
    try {
      const out = await this.options.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: entries.map(({ Id, MessageBody }) => ({ Id, MessageBody })),
        }),
      );
      const failed = new Map(
        (out.Failed ?? []).map((f) => [f.Id, [f.Code ?? 'Failed', f.Message].filter(Boolean).join(': ')]),
      );
      return entries.filter((e) => failed.has(e.Id)).map((e) => ({ ...e, error: failed.get(e.Id) }));
    } catch (err) {
      // The whole call failed (after the SDK's own retries): every entry is left to retry.
      const error = `SendMessageBatch failed: ${(err as Error).name}: ${(err as Error).message}`;
      return entries.map((e) => ({ ...e, error }));
    }
  }
}
