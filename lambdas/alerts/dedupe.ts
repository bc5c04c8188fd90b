/**
 * Dedupe: an event delivered again (SQS redelivery, overlapping log objects) alerts once.
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
