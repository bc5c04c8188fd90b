/**
 * Dedupe: an event delivered again (SQS redelivery, overlapping log objects, a retro-hunt) alerts once.
 * The alert id is a hash of the rule id and the event id; the delivery lease on that id
 * (delivery-lease.ts) lets one run deliver it and tells every later one it is a duplicate, once
 * every destination has its receipt (delivery-receipts.ts).
 */
import { hash } from 'node:crypto';

/** How long an alert id (and its receipts) is remembered: longer than any redelivery or overlapping replay. */
export const DEDUPE_TTL_SECONDS = 14 * 24 * 3600;

/** Hex characters kept of the sha256 (128 bits: collisions are not a practical concern). */
const ID_LENGTH = 32;

/** Stable id of the alert that rule `ruleId` raises on event `eventId`. */
export function eventAlertId(ruleId: string, eventId: string): string {
  return hash('sha256', `event\n${ruleId}\n${eventId}`).slice(0, ID_LENGTH);
}

/**
 * How long after its event an event alert is remembered: a retro-hunt over any range within this
 * horizon never sends again what was alerted (live, or by an earlier hunt), however long ago. The
 * delivery lease (DEDUPE_TTL_SECONDS from the delivery) covers redeliveries; this covers hunts.
 * One small item per alert, not per event: a year of alerts is a few megabytes of state.
 */
export const ALERTED_EVENT_DAYS = 400;

const DAY_SECONDS = 24 * 3600;

/** The state key of an alerted event's record. */
export function alertedKey(alertId: string): string {
  return `alerted#${alertId}`;
}

/**
 * When the record of an alert on an event at `eventTime` expires (epoch seconds): the event time
 * plus the horizon, and never before the lease's own DEDUPE_TTL from now (an event with no time,
 * or older than the horizon, is remembered as a redelivery would be).
 */
export function alertedExpiry(
  eventTime: string | undefined,
  nowMs: number,
  horizonDays = ALERTED_EVENT_DAYS,
): number {
  const nowSec = Math.floor(nowMs / 1000);
  const t = eventTime === undefined ? NaN : Date.parse(eventTime);
  const fromEvent = Number.isFinite(t) ? Math.floor(t / 1000) + horizonDays * DAY_SECONDS : 0;
  return Math.max(nowSec + DEDUPE_TTL_SECONDS, fromEvent);
}

/** The part of the state store dedupe needs (src/alerts/state/store.ts). */
interface AlertedStore {
  putIfAbsent(key: string, value: Record<string, unknown>, expiresAtSec: number): Promise<boolean>;
  get(key: string): Promise<unknown>;
}

/**
 * Which event alerts went out, kept by event time (ALERTED_EVENT_DAYS): the processor asks it about
 * retro-hunt matches and events older than the lease's memory, and tells it every event alert it
 * delivered.
 */
export class AlertedEvents {
  private readonly now: () => Date;

  constructor(
    private readonly store: AlertedStore,
    private readonly options: { horizonDays?: number; now?: () => Date } = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async seen(alertId: string): Promise<boolean> {
    return (await this.store.get(alertedKey(alertId))) !== undefined;
  }

  async remember(alertId: string, eventTime: string | undefined, huntId?: string): Promise<void> {
    const nowMs = this.now().getTime();
    await this.store.putIfAbsent(
      alertedKey(alertId),
      { at: new Date(nowMs).toISOString(), ...(huntId !== undefined ? { hunt: huntId } : {}) },
      alertedExpiry(eventTime, nowMs, this.options.horizonDays),
    );
  }
}
