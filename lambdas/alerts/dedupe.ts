/**
 * Dedupe: an event delivered again (SQS redelivery, overlapping log objects) alerts once.
 * The alert id is a hash of the rule id and the event id; the first writer of that id wins a
 * conditional put in the state store, every later one learns it is a duplicate.
 */
import { createHash } from 'node:crypto';
import type { StateStore } from './state/store';

/** Hex characters kept of the sha256 (128 bits: collisions are not a practical concern). */
const ID_LENGTH = 32;

/** Stable id of the alert that rule `ruleId` raises on event `eventId`. */
export function eventAlertId(ruleId: string, eventId: string): string {
  return createHash('sha256').update(`event\n${ruleId}\n${eventId}`).digest('hex').slice(0, ID_LENGTH);
}

export class Deduper {
  private readonly now: () => Date;

  constructor(
    private readonly store: StateStore,
    private readonly ttlSeconds: number,
    now?: () => Date,
  ) {
    if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
      throw new Error(`Deduper: ttlSeconds must be a positive number of seconds, got ${String(ttlSeconds)}`);
    }
    this.now = now ?? (() => new Date());
  }

  /** True the first time an alert id is seen within the TTL; false for every repeat. */
  async firstSeen(alertId: string): Promise<boolean> {
    const nowSec = Math.floor(this.now().getTime() / 1000);
    return this.store.putIfAbsent(`dedupe#${alertId}`, { seenAt: nowSec }, nowSec + this.ttlSeconds);
  }

  /** Whether an id was already recorded (without recording it). */
  async seen(alertId: string): Promise<boolean> {
    return (await this.store.get(`dedupe#${alertId}`)) !== undefined;
  }

  /**
   * Delivery receipts: an alert sent to a destination is recorded, so that when another of its
   * destinations failed and the whole alert is retried, the ones already served are skipped.
   */
  async delivered(alertId: string, destination: string): Promise<boolean> {
    return this.seen(`${alertId}@${destination}`);
  }

  async recordDelivery(alertId: string, destination: string): Promise<void> {
    await this.firstSeen(`${alertId}@${destination}`);
  }

  /** Forgets an alert id (its delivery failed and will be retried). */
  async release(alertId: string): Promise<void> {
    await this.store.delete(`dedupe#${alertId}`);
  }
}
