/**
 * The delivery lease: an alert id (an event's, or a correlation hit's) is taken "in progress"
 * for a limited time before anything is sent, and marked done only once every destination has a
 * receipt (delivery-receipts.ts). So a run that dies part-way never leaves a "duplicate" behind:
 *
 *   absent                      → taken: `fresh`
 *   leased, lease not yet over  → `busy`: another run is at it; the caller fails the message so
 *                                 SQS brings it back later
 *   leased, lease over          → taken again: `resumed` (`expired`: that run died)
 *   released                    → taken again: `resumed` (that run failed cleanly)
 *   done (or a pre-lease item)  → `done`: a duplicate
 *
 * One item per id, `dedupe#<id>` in the state store (the key dedupe always used, so ids already
 * seen before leases existed stay duplicates), kept DEDUPE_TTL long whatever its state. Every
 * change is a compare-and-set on the item's version, so two runs never both hold a lease.
 */
import type { StateStore } from './state';
import { TrailAlertsError } from '../core';

/**
 * How long a run holds an id. Longer than the processor's timeout (60 s), so a live run is never
 * overtaken; shorter than the matches queue's visibility timeout (6 min), so the redelivery that
 * follows a dead run finds the lease over and resumes, instead of failing once more towards the
 * DLQ. Three minutes leaves room on both sides (a scheduled flush shares the function's timeout).
 */
export const DELIVERY_LEASE_SECONDS = 180;

/** A lease this run holds: what `complete` and `release` need. */
export interface HeldLease {
  id: string;
  version: number;
  attempt: number;
  /** Resumed after a run that died holding it (its lease ran out). */
  expired: boolean;
  resumed: boolean;
}

export type LeaseTaken =
  { state: 'fresh' | 'resumed'; lease: HeldLease } | { state: 'busy'; untilMs: number } | { state: 'done' };

/** Another run holds the lease: the message is failed so that SQS delivers it again later. */
export class LeaseBusyError extends TrailAlertsError {
  constructor(
    readonly alertId: string,
    readonly untilMs: number,
  ) {
    super(`alert ${alertId} is being delivered by another run until ${new Date(untilMs).toISOString()}`);
  }
}

interface LeaseValue {
  status: 'leased' | 'released' | 'done';
  untilMs?: number;
  attempt?: number;
}

export interface DeliveryLedgerOptions {
  /** How long ids are remembered (dedupe), in seconds. */
  ttlSeconds: number;
  leaseSeconds?: number;
  now?: () => Date;
}

/** Rounds of compare-and-set before giving up (only concurrent writers of one id cost a round). */
const MAX_ROUNDS = 5;

export class DeliveryLedger {
  private readonly now: () => Date;
  private readonly leaseMs: number;

  constructor(
    private readonly store: StateStore,
    private readonly options: DeliveryLedgerOptions,
  ) {
    if (!Number.isFinite(options.ttlSeconds) || options.ttlSeconds <= 0)
      throw new Error(
        `DeliveryLedger: ttlSeconds must be a positive number, got ${String(options.ttlSeconds)}`,
      );
    this.now = options.now ?? (() => new Date());
    this.leaseMs = (options.leaseSeconds ?? DELIVERY_LEASE_SECONDS) * 1000;
  }

  /** Takes the id for this run, or says why not (busy, done). */
  async take(id: string): Promise<LeaseTaken> {
    const key = leaseKey(id);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const nowMs = this.now().getTime();
      const lease = (attempt: number): LeaseValue => ({
        status: 'leased',
        untilMs: nowMs + this.leaseMs,
        attempt,
      });
      if (await this.store.putIfAbsent(key, { ...lease(1) }, this.expiresAtSec(nowMs))) {
        return { state: 'fresh', lease: { id, version: 1, attempt: 1, expired: false, resumed: false } };
      }
      const current = await this.store.get(key);
      if (!current) continue;
      const value = readLease(current.value);
      if (value.status === 'done') return { state: 'done' };
      const untilMs = value.untilMs ?? 0;
      if (value.status === 'leased' && untilMs > nowMs) return { state: 'busy', untilMs };
      const attempt = (value.attempt ?? 1) + 1;
      if (
        await this.store.putIfVersion(key, { ...lease(attempt) }, current.version, this.expiresAtSec(nowMs))
      ) {
        const expired = value.status === 'leased';
        return {
          state: 'resumed',
          lease: { id, version: current.version + 1, attempt, expired, resumed: true },
        };
      }
    }
    throw new Error(`delivery lease of ${id}: gave up after ${MAX_ROUNDS} concurrent-write conflicts`);
  }

  /** Every destination has its receipt: the id is a duplicate from now on. */
  async complete(lease: HeldLease): Promise<void> {
    const nowMs = this.now().getTime();
    const done: LeaseValue = { status: 'done', attempt: lease.attempt };
    // Refused only when another run took over after this one's lease ran out: that run finds
    // every receipt and completes it itself.
    await this.store.putIfVersion(leaseKey(lease.id), { ...done }, lease.version, this.expiresAtSec(nowMs));
  }

  /** A clean failure: the next delivery may resume at once (otherwise it waits for the lease). */
  async release(lease: HeldLease): Promise<void> {
    const nowMs = this.now().getTime();
    const released: LeaseValue = { status: 'released', attempt: lease.attempt };
    await this.store.putIfVersion(
      leaseKey(lease.id),
      { ...released },
      lease.version,
      this.expiresAtSec(nowMs),
    );
  }

  private expiresAtSec(nowMs: number): number {
    return Math.floor(nowMs / 1000) + this.options.ttlSeconds;
  }
}

/** The state key of an alert id: the one dedupe used before leases, so old items still count. */
export function leaseKey(id: string): string {
  return `dedupe#${id}`;
}

/** An item of another shape (a pre-lease `{ seenAt }`) is a duplicate, as it always was. */
function readLease(value: Record<string, unknown>): LeaseValue {
  const status = value.status;
  if (status !== 'leased' && status !== 'released') return { status: 'done' };
  return {
    status,
    untilMs: typeof value.untilMs === 'number' ? value.untilMs : 0,
    attempt: typeof value.attempt === 'number' ? value.attempt : 1,
  };
}
