/** The alert model, dedupe, delivery leases and receipts, grouping: what other folders use of alerts/. */
export type { Alert, AlertOutcome, GuardDutyFacts, IpContext, Match } from './alert';
export { correlationTarget } from './correlation-target';
export { ALERTED_EVENT_DAYS, AlertedEvents, DEDUPE_TTL_SECONDS, eventAlertId } from './dedupe';
export { DELIVERY_LEASE_SECONDS, DeliveryLedger, LeaseBusyError, type HeldLease } from './delivery-lease';
export { DeliveryReceipts } from './delivery-receipts';
export { notificationId, standaloneDigestAlert } from './digest-alert';
export { digestView } from './grouping-state';
export { Grouping, type ClaimedDigest } from './grouping';
export { parsePostProcessing } from './postprocessing';
export { ruleIdentity } from './rule-identity';
