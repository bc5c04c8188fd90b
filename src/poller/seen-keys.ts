/**
 * The seen-keys port on the poll state table (string keys `pk`, `sk`; TTL attribute `ttl` in epoch
 * seconds): one item `pk = poll#<object key>`, `sk = seen` per queued object. Items outlive the
 * lookback (the handler sets the TTL to twice the lookback plus a day), so a key listed again in
 * a later window is found; after that the key is outside every window and the item can go.
 */
import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SeenKeys } from './ports';
import { retryLeftovers, type LeftoverRetryOptions } from './retry-leftovers';

export interface DynamoSeenKeysOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** How long an item lives after it is written. */
  ttlSeconds: number;
  now?: () => number;
  retry?: LeftoverRetryOptions;
}

/** DynamoDB's limits per BatchGetItem and per BatchWriteItem call. */
const GET_BATCH = 100;
const WRITE_BATCH = 25;
const SORT_KEY = 'seen';

type ItemKey = { pk: string; sk: string };

export const seenItemKey = (objectKey: string): ItemKey => ({ pk: `poll#${objectKey}`, sk: SORT_KEY });

export class DynamoSeenKeys implements SeenKeys {
  private readonly now: () => number;

  constructor(private readonly options: DynamoSeenKeysOptions) {
    this.now = options.now ?? (() => Date.now());
  }

  async seen(keys: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += GET_BATCH) {
      const batch = unique.slice(i, i + GET_BATCH).map(seenItemKey);
      const left = await retryLeftovers(
        batch,
        async (itemKeys) => {
          const out = await this.options.client.send(
            new BatchGetCommand({
              RequestItems: {
                // Consistent: a run that starts right after another still sees its writes.
                [this.options.tableName]: {
                  Keys: itemKeys,
                  ProjectionExpression: 'pk',
                  ConsistentRead: true,
                },
              },
            }),
          );
          for (const item of out.Responses?.[this.options.tableName] ?? [])
            found.add(String(item.pk).slice('poll#'.length));
          return (out.UnprocessedKeys?.[this.options.tableName]?.Keys ?? []) as ItemKey[];
        },
        this.options.retry,
      );
      if (left.length > 0)
        throw new Error(
          `BatchGetItem on ${this.options.tableName}: ${left.length} keys still unprocessed after retries`,
        );
    }
    return found;
  }

  async record(keys: string[]): Promise<void> {
    const ttl = Math.floor(this.now() / 1000) + this.options.ttlSeconds;
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += WRITE_BATCH) {
      const requests = unique
        .slice(i, i + WRITE_BATCH)
        .map((key) => ({ PutRequest: { Item: { ...seenItemKey(key), ttl } } }));
      const left = await retryLeftovers(
        requests,
        async (batch) => {
          const out = await this.options.client.send(
            new BatchWriteCommand({ RequestItems: { [this.options.tableName]: batch } }),
          );
          return (out.UnprocessedItems?.[this.options.tableName] ?? []) as typeof requests;
        },
        this.options.retry,
      );
      if (left.length > 0)
        throw new Error(
          `BatchWriteItem on ${this.options.tableName}: ${left.length} items still unprocessed after retries`,
        );
    }
  }
}
