/**
 * Dedupe: an event delivered again (SQS redelivery, overlapping log objects) alerts once.
 * The alert id is a hash of the rule id and the event id; the delivery lease on that id
 * (delivery-lease.ts) lets one run deliver it and tells every later one it is a duplicate, once
 * every destination has its receipt (delivery-receipts.ts).
 */
import { createHash } from 'node:crypto';

/** Hex characters kept of the sha256 (128 bits: collisions are not a practical concern). */
const ID_LENGTH = 32;

/** Stable id of the alert that rule `ruleId` raises on event `eventId`. */
export function eventAlertId(ruleId: string, eventId: string): string {
  return createHash('sha256').update(`event\n${ruleId}\n${eventId}`).digest('hex').slice(0, ID_LENGTH);
}
