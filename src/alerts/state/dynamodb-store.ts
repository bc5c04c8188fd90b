/**
 * DynamoDB adapter of the state port (single table: partition key `pk`, sort key `sk`, TTL
 * attribute `ttl` in epoch seconds). Every write is conditional, so concurrent processor
 * invocations never both claim the same alert id, grouping state or correlation window.
 *
 * Item layout:
 *   generic state     pk = state#<key>        sk = -                               v, ver, ttl
 *     (dedupe, leases, receipts, grouping heads `group#<h>` and their target items `group#<h>#t#…`)
 *   observation       pk = corr#<group>       sk = obs#<15-digit ms>#<obs key>    o, r, ttl
 *   fired windows     pk = corr#<group>       sk = fired                           w, ver, ttl
 *   due index         pk = due#<UTC day>      sk = <15-digit ms>#<state key>      k, d, ttl
 * The due index has one partition per UTC day (epoch days), so the scheduled flush reads what
 * is due with a few queries (the last DUE_LOOKBACK_DAYS days up to now), never a table scan.
 * An observation holds only ids, times, one value and clipped summaries; fired windows are
 * pruned to the retention period and capped, so no item approaches the 400 KB limit.
 *
 * Observations count as the memory store counts them (`scan`): by event time, an observation
 * older than the group's newest minus its retention (`r`: timespan plus lateness allowance) is
 * neither stored nor listed, and an item past its TTL is never listed, swept or not.
 */
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  MAX_DUE_AHEAD_MS,
  blocksClaim,
  type CorrelationObservation,
  type CorrelationStore,
  type DueIndex,
  type DueItem,
  type FiredWindow,
  type StateStore,
  type VersionedItem,
} from './store';

export interface DynamoStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Wall clock, for expiry checks. */
  now?: () => Date;
  /** Attempts of an optimistic read-modify-write before giving up with an error. */
  maxAttempts?: number;
}

/** BatchGetItem reads at most this many keys per call. */
const BATCH_GET_LIMIT = 100;
/** Fired windows remembered per group at most. */
const MAX_FIRED_WINDOWS = 100;
const TIME_DIGITS = 15;
const DAY_MS = 24 * 3600_000;
/** How far back the due index is read: a flush that did not run for longer misses older entries. */
export const DUE_LOOKBACK_DAYS = 7;

export class DynamoStateStore implements StateStore, CorrelationStore, DueIndex {
  private readonly client: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly now: () => Date;
  private readonly maxAttempts: number;

  constructor(options: DynamoStoreOptions) {
    this.client = options.client;
    this.table = options.tableName;
    this.now = options.now ?? (() => new Date());
    this.maxAttempts = options.maxAttempts ?? 8;
  }

  private nowSec(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  /** Conditional put; false when the condition failed, other errors propagate. */
  private async conditionalPut(
    item: Record<string, unknown>,
    condition: string,
    values: Record<string, unknown>,
    names: Record<string, string> = {},
  ): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          // JSON round trip: drops undefined members, which the marshaller would reject.
          Item: JSON.parse(JSON.stringify(item)) as Record<string, unknown>,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
          ExpressionAttributeNames: { ...(condition.includes('#ttl') ? { '#ttl': 'ttl' } : {}), ...names },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  private async getLive(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk, sk }, ConsistentRead: true }),
    );
    const item = out.Item;
    if (!item) return undefined;
    if (typeof item.ttl === 'number' && item.ttl <= this.nowSec()) return undefined;
    return item;
  }

  async putIfAbsent(key: string, value: Record<string, unknown>, expiresAtSec: number): Promise<boolean> {
    return this.putIfVersion(key, value, undefined, expiresAtSec);
  }

  async get(key: string): Promise<VersionedItem | undefined> {
    const item = await this.getLive(`state#${key}`, '-');
    if (!item) return undefined;
    const value = item.v && typeof item.v === 'object' ? (item.v as Record<string, unknown>) : {};
    return { value, version: typeof item.ver === 'number' ? item.ver : 1 };
  }

  async getMany(keys: readonly string[]): Promise<Map<string, VersionedItem>> {
    const out = new Map<string, VersionedItem>();
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT) {
      let pending: Record<string, unknown>[] = unique
        .slice(i, i + BATCH_GET_LIMIT)
        .map((key) => ({ pk: `state#${key}`, sk: '-' }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= this.maxAttempts)
          throw new Error(
            `state table: ${pending.length} keys still unprocessed after ${attempt} batch reads`,
          );
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
        const res = await this.client.send(
          new BatchGetCommand({
            RequestItems: { [this.table]: { Keys: pending, ConsistentRead: true } },
          }),
        );
        for (const item of res.Responses?.[this.table] ?? []) {
          if (typeof item.pk !== 'string' || !item.pk.startsWith('state#')) continue;
          if (typeof item.ttl === 'number' && item.ttl <= this.nowSec()) continue;
          const value = item.v && typeof item.v === 'object' ? (item.v as Record<string, unknown>) : {};
          out.set(item.pk.slice('state#'.length), {
            value,
            version: typeof item.ver === 'number' ? item.ver : 1,
          });
        }
        // Throttled keys come back unprocessed: read them again after a pause.
        pending = (res.UnprocessedKeys?.[this.table]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return out;
  }

  async putIfVersion(
    key: string,
    value: Record<string, unknown>,
    expectedVersion: number | undefined,
    expiresAtSec: number,
  ): Promise<boolean> {
    const item = {
      pk: `state#${key}`,
      sk: '-',
      v: value,
      ver: (expectedVersion ?? 0) + 1,
      ttl: expiresAtSec,
    };
    if (expectedVersion === undefined) {
      return this.conditionalPut(item, 'attribute_not_exists(pk) OR #ttl <= :now', { ':now': this.nowSec() });
    }
    return this.conditionalPut(
      item,
      '#ver = :expected AND #ttl > :now',
      { ':expected': expectedVersion, ':now': this.nowSec() },
      {
        '#ver': 'ver',
      },
    );
  }

  async delete(key: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: `state#${key}`, sk: '-' } }),
    );
  }

  async putDue(item: DueItem, expiresAtSec: number): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...dueKey(item), k: item.key, d: item.dueAtMs, ttl: expiresAtSec },
      }),
    );
  }

  async listDue(untilMs: number, limit: number): Promise<DueItem[]> {
    const nowMs = this.now().getTime();
    // Nothing is noted due further ahead than MAX_DUE_AHEAD_MS, so "everything" stops there.
    const until = Math.min(untilMs, nowMs + MAX_DUE_AHEAD_MS);
    const found: DueItem[] = [];
    for (let day = dayOf(until) - DUE_LOOKBACK_DAYS; day <= dayOf(until) && found.length < limit; day++) {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await this.client.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND sk <= :to',
            ExpressionAttributeValues: {
              ':pk': `due#${day}`,
              ':to': `${timeKey(Math.max(0, until))}#\uffff`,
            },
            Limit: Math.max(1, limit - found.length),
            ExclusiveStartKey: start,
          }),
        );
        for (const item of out.Items ?? []) {
          if (typeof item.k !== 'string' || typeof item.d !== 'number') continue;
          if (typeof item.ttl === 'number' && item.ttl <= this.nowSec()) continue;
          found.push({ key: item.k, dueAtMs: item.d });
        }
        start = out.LastEvaluatedKey;
      } while (start && found.length < limit);
    }
    return found.slice(0, limit);
  }

  async deleteDue(item: DueItem): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.table, Key: dueKey(item) }));
  }

  async addObservation(
    group: string,
    observation: CorrelationObservation,
    retentionMs: number,
    expiresAtSec: number,
  ): Promise<boolean> {
    const newest = await this.newestObservation(group);
    // Later than the lateness allowance of the group's newest event: dropped, as in memory.
    if (newest && observation.timeMs < newest.timeMs - retentionMs) return true;
    const item = {
      pk: `corr#${group}`,
      sk: `obs#${timeKey(observation.timeMs)}#${observation.key}`,
      o: observation,
      r: retentionMs,
      ttl: expiresAtSec,
    };
    return this.conditionalPut(item, 'attribute_not_exists(pk) OR #ttl <= :now', { ':now': this.nowSec() });
  }

  /** The group's newest live observation (by event time) and the retention it was stored with. */
  private async newestObservation(
    group: string,
  ): Promise<{ timeMs: number; retentionMs?: number } | undefined> {
    let start: Record<string, unknown> | undefined;
    // A few pages at most: only items past their TTL (not yet swept) are skipped.
    for (let page = 0; page < 4; page++) {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :obs)',
          ExpressionAttributeValues: { ':pk': `corr#${group}`, ':obs': 'obs#' },
          ScanIndexForward: false,
          ConsistentRead: true,
          Limit: 10,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        const o = this.isLive(item) ? readObservation(item.o) : undefined;
        if (o) return { timeMs: o.timeMs, retentionMs: typeof item.r === 'number' ? item.r : undefined };
      }
      start = out.LastEvaluatedKey;
      if (!start) break;
    }
    return undefined;
  }

  private isLive(item: Record<string, unknown>): boolean {
    return !(typeof item.ttl === 'number' && item.ttl <= this.nowSec());
  }

  async listObservations(
    group: string,
    fromMs: number,
    toMs: number,
    limit: number,
  ): Promise<CorrelationObservation[]> {
    const newest = await this.newestObservation(group);
    // What the memory store has dropped already: older than the newest minus the retention.
    const floor =
      newest?.retentionMs === undefined ? fromMs : Math.max(fromMs, newest.timeMs - newest.retentionMs);
    if (floor > toMs) return [];
    const found: CorrelationObservation[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': `corr#${group}`,
            ':from': `obs#${timeKey(Math.max(0, floor))}#`,
            ':to': `obs#${timeKey(Math.max(0, toMs))}#\uffff`,
          },
          ConsistentRead: true,
          Limit: Math.max(1, limit - found.length),
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        const o = this.isLive(item) ? readObservation(item.o) : undefined;
        if (o && o.timeMs >= floor) found.push(o);
      }
      start = out.LastEvaluatedKey;
    } while (start && found.length < limit);
    return found.slice(0, limit);
  }

  async claimWindow(
    group: string,
    window: FiredWindow,
    retentionMs: number,
    expiresAtSec: number,
    reclaim = false,
  ): Promise<boolean> {
    const pk = `corr#${group}`;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const item = await this.getLive(pk, 'fired');
      const fired = (Array.isArray(item?.w) ? item.w : [])
        .map(readWindow)
        .filter((w): w is FiredWindow => w !== undefined && w.endMs >= window.startMs - retentionMs);
      if (fired.some((w) => blocksClaim(w, window, reclaim))) return false;
      // Reclaimed: the window is held already, nothing to write.
      if (fired.some((w) => w.startMs === window.startMs && w.endMs === window.endMs)) return true;
      const next = [...fired, window].slice(-MAX_FIRED_WINDOWS);
      const version = item && typeof item.ver === 'number' ? item.ver : undefined;
      const written =
        version === undefined
          ? await this.conditionalPut(
              { pk, sk: 'fired', w: next, ver: 1, ttl: expiresAtSec },
              'attribute_not_exists(pk) OR #ttl <= :now',
              {
                ':now': this.nowSec(),
              },
            )
          : await this.conditionalPut(
              {
                pk,
                sk: 'fired',
                w: next,
                ver: version + 1,
                ttl: Math.max(expiresAtSec, numberOr(item?.ttl, 0)),
              },
              '#ver = :expected',
              { ':expected': version },
              { '#ver': 'ver' },
            );
      if (written) return true;
    }
    throw new Error(
      `correlation state ${pk}: gave up claiming window after ${this.maxAttempts} concurrent-write conflicts`,
    );
  }

  async releaseWindow(group: string, window: FiredWindow): Promise<void> {
    const pk = `corr#${group}`;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const item = await this.getLive(pk, 'fired');
      if (!item || typeof item.ver !== 'number' || !Array.isArray(item.w)) return;
      const fired = item.w.map(readWindow).filter((w): w is FiredWindow => w !== undefined);
      const kept = fired.filter((w) => w.startMs !== window.startMs || w.endMs !== window.endMs);
      if (kept.length === fired.length) return;
      const written = await this.conditionalPut(
        { pk, sk: 'fired', w: kept, ver: item.ver + 1, ttl: numberOr(item.ttl, 0) },
        '#ver = :expected',
        { ':expected': item.ver },
        { '#ver': 'ver' },
      );
      if (written) return;
    }
    throw new Error(
      `correlation state ${pk}: gave up releasing window after ${this.maxAttempts} concurrent-write conflicts`,
    );
  }
}

function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

function dueKey(item: DueItem): { pk: string; sk: string } {
  return { pk: `due#${dayOf(item.dueAtMs)}`, sk: `${timeKey(Math.max(0, item.dueAtMs))}#${item.key}` };
}

function timeKey(ms: number): string {
  return String(Math.floor(ms)).padStart(TIME_DIGITS, '0');
}

function numberOr(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

function isConditionFailure(err: unknown): boolean {
  return (err as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

function readWindow(v: unknown): FiredWindow | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const w = v as Record<string, unknown>;
  if (typeof w.startMs !== 'number' || typeof w.endMs !== 'number') return undefined;
  return { startMs: w.startMs, endMs: w.endMs, ...(typeof w.by === 'string' ? { by: w.by } : {}) };
}

/** Reads back a stored observation, ignoring an item of the wrong shape rather than crashing. */
function readObservation(v: unknown): CorrelationObservation | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.key !== 'string' || typeof o.ruleIndex !== 'number' || typeof o.timeMs !== 'number')
    return undefined;
  return {
    key: o.key,
    ruleIndex: o.ruleIndex,
    timeMs: o.timeMs,
    value: typeof o.value === 'string' ? o.value : undefined,
    events: Array.isArray(o.events)
      ? (o.events.filter((e) => e && typeof e === 'object') as CorrelationObservation['events'])
      : [],
  };
}
