/**
 * What the processor counts, alert by alert: `scan` reports it, and the processor Lambda turns the
 * counters' growth into metrics (processor/counter-metrics.ts).
 */

export interface ProcessorCounters {
  matches: number;
  sent: number;
  excepted: number;
  duplicate: number;
  suppressed: number;
  unrouted: number;
  correlations: number;
  sendFailures: number;
  /** Alerts folded into a digest (each reaches its destinations inside one). */
  folded: number;
  /** Digests handled on their own, window closed or full (sent, or unrouted like their alerts). */
  digests: number;
  /** Deliveries taken over from a run that did not finish (released, or its lease ran out). */
  resumed: number;
  /** Of those, the ones whose run died holding the lease (a kill, a timeout): `LeasesExpired`. */
  leasesExpired: number;
  /** Deliveries found leased by a live run: the message was failed, for SQS to retry later. */
  leasesBusy: number;
  /** Destinations sent again after an attempt that may have gone out: possible duplicates. */
  repeatedSends: number;
  /** Lease, receipt and settle writes that failed where delivery did not depend on them. */
  stateWriteFailures: number;
  /** Sends stopped because the invocation's time was running out (retried by SQS). */
  sendTimeouts: number;
}

export function emptyCounters(): ProcessorCounters {
  return {
    matches: 0,
    sent: 0,
    excepted: 0,
    duplicate: 0,
    suppressed: 0,
    unrouted: 0,
    correlations: 0,
    sendFailures: 0,
    folded: 0,
    digests: 0,
    resumed: 0,
    leasesExpired: 0,
    leasesBusy: 0,
    repeatedSends: 0,
    stateWriteFailures: 0,
    sendTimeouts: 0,
  };
}
