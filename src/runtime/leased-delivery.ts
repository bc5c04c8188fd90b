/**
 * One alert id delivered under its lease (alerts/delivery-lease.ts): a done id is a duplicate, a
 * live lease fails the message (LeaseBusyError, for SQS to bring it back), and otherwise the work
 * runs; the lease is completed once it succeeded and released when it threw. Neither write is
 * load-bearing: a release that fails only makes the retry wait for the lease to run out, and a
 * done that fails only makes a later duplicate find every receipt written.
 */
import {
  type Alert,
  type AlertOutcome,
  LeaseBusyError,
  type DeliveryLedger,
  type HeldLease,
} from '../alerts';
import type { ProcessorCounters } from './processor-counters';

export async function underLease(
  ledger: DeliveryLedger,
  counters: ProcessorCounters,
  alert: Alert,
  work: (lease: HeldLease) => Promise<AlertOutcome[]>,
): Promise<AlertOutcome[]> {
  const taken = await ledger.take(alert.id);
  if (taken.state === 'done') {
    counters.duplicate++;
    return [{ kind: 'duplicate', alert }];
  }
  if (taken.state === 'busy') {
    counters.leasesBusy++;
    throw new LeaseBusyError(alert.id, taken.untilMs);
  }
  const { lease } = taken;
  if (lease.resumed) counters.resumed++;
  if (lease.expired) counters.leasesExpired++;
  let outcomes: AlertOutcome[];
  try {
    outcomes = await work(lease);
  } catch (err) {
    await quietly(counters, () => ledger.release(lease));
    throw err;
  }
  await quietly(counters, () => ledger.complete(lease));
  return outcomes;
}

/** A state write that delivery does not depend on: counted when it fails, never thrown. */
export async function quietly(counters: ProcessorCounters, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch {
    counters.stateWriteFailures++;
  }
}
