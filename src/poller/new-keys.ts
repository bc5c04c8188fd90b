/**
 * Queues the keys the listings found that no earlier run queued, in chunks of up to 100 (one
 * BatchGetItem): look them up, send the new ones, then record as seen only what SQS accepted, so
 * a crash in between gives a duplicate on the next run, never a loss.
 */
import { describeError } from './describe-error';
import type { ObjectsQueue, SeenKeys } from './ports';

export interface NewKeyQueueOptions {
  bucket: string;
  seen: SeenKeys;
  queue: ObjectsQueue;
  /** Told when some keys of a listed prefix could not be checked, sent or recorded. */
  onFailure: (prefix: string, error: string) => void;
  /** Keys per state lookup (default 100, BatchGetItem's limit). */
  chunkSize?: number;
}

interface ListedKey {
  key: string;
  /** The day prefix it was listed under: failures are reported per prefix. */
  prefix: string;
}

export class NewKeyQueue {
  sent = 0;
  alreadySeen = 0;
  private readonly pending: ListedKey[] = [];
  private readonly chunkSize: number;

  constructor(private readonly options: NewKeyQueueOptions) {
    this.chunkSize = options.chunkSize ?? 100;
  }

  /** Takes the keys of one listing page; queues full chunks now. */
  async add(prefix: string, keys: string[]): Promise<void> {
    for (const key of keys) this.pending.push({ key, prefix });
    while (this.pending.length >= this.chunkSize) await this.queue(this.pending.splice(0, this.chunkSize));
  }

  /** Queues what is left. */
  async flush(): Promise<void> {
    while (this.pending.length > 0) await this.queue(this.pending.splice(0, this.chunkSize));
  }

  private async queue(listed: ListedKey[]): Promise<void> {
    const prefixOf = new Map(listed.map((l) => [l.key, l.prefix]));
    const fail = (keys: string[], error: string) => {
      for (const prefix of new Set(keys.map((k) => prefixOf.get(k)!))) this.options.onFailure(prefix, error);
    };
    const keys = [...prefixOf.keys()];
    let seen: Set<string>;
    try {
      seen = await this.options.seen.seen(keys);
    } catch (err) {
      // Without the state every key is sent: a duplicate costs one analysis, a gap costs detections.
      seen = new Set();
      fail(
        keys,
        `reading the poll state failed (${describeError(err)}); queued its objects without the check`,
      );
    }
    const fresh = keys.filter((k) => !seen.has(k));
    this.alreadySeen += keys.length - fresh.length;
    if (fresh.length === 0) return;

    const refused = await this.options.queue.send(this.options.bucket, fresh);
    const refusedKeys = new Set(refused.map((r) => r.key));
    const accepted = fresh.filter((k) => !refusedKeys.has(k));
    this.sent += accepted.length;
    const refusedByPrefix = new Map<string, { count: number; error: string }>();
    for (const r of refused) {
      const entry = refusedByPrefix.get(prefixOf.get(r.key)!) ?? { count: 0, error: r.error };
      entry.count++;
      refusedByPrefix.set(prefixOf.get(r.key)!, entry);
    }
    for (const [prefix, { count, error }] of refusedByPrefix)
      this.options.onFailure(
        prefix,
        `SQS refused ${count} of its object messages (${error}); not recorded as seen, the next run sends them again`,
      );
    if (accepted.length === 0) return;
    try {
      await this.options.seen.record(accepted);
    } catch (err) {
      fail(
        accepted,
        `recording queued objects as seen failed (${describeError(err)}); the next run queues them again`,
      );
    }
  }
}
