/**
 * DynamoDB adapter of the IP-context cache port, in the alert state table's single-table layout
 * (partition key `pk`, sort key `sk`, TTL attribute `ttl` in epoch seconds):
 *   pk = ipctx#<ip>   sk = -   c (the IpContext), ttl
 * Expired items that DynamoDB has not yet removed are treated as absent.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IpContext } from '../alerts';
import type { IpContextCache } from './cache';

export interface DynamoIpContextCacheOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  now?: () => number;
}

const FLAGS = ['vpn', 'proxy', 'tor', 'relay'] as const;
const TEXTS = ['country', 'countryCode', 'city', 'asn', 'isp'] as const;

/** Rebuilds an IpContext from a stored item, keeping only well-typed fields. */
function contextOf(ip: string, stored: unknown): IpContext | undefined {
  if (typeof stored !== 'object' || stored === null) return undefined;
  const s = stored as Record<string, unknown>;
  const ctx: IpContext = { ip };
  for (const f of FLAGS) if (typeof s[f] === 'boolean') ctx[f] = s[f] as boolean;
  for (const t of TEXTS) if (typeof s[t] === 'string') ctx[t] = s[t] as string;
  return ctx;
}

export class DynamoIpContextCache implements IpContextCache {
  private readonly now: () => number;

  constructor(private readonly options: DynamoIpContextCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  async get(ip: string): Promise<IpContext | undefined> {
    const out = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: { pk: `ipctx#${ip}`, sk: '-' } }),
    );
    const item = out.Item;
    if (!item) return undefined;
    if (typeof item.ttl !== 'number' || item.ttl <= Math.floor(this.now() / 1000)) return undefined;
    return contextOf(ip, item.c);
  }

  async put(ip: string, ctx: IpContext, ttlSeconds: number): Promise<void> {
    if (!(ttlSeconds > 0)) return;
    // JSON round trip drops undefined members, which the marshaller would reject.
    const c = JSON.parse(JSON.stringify({ ...ctx, ip: undefined })) as Record<string, unknown>;
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: { pk: `ipctx#${ip}`, sk: '-', c, ttl: Math.floor(this.now() / 1000) + Math.ceil(ttlSeconds) },
      }),
    );
  }
}
