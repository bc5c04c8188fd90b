/**
 * The processor's counters as CloudWatch metrics: what changed since the last invocation, added
 * once per invocation (messages of a batch run in parallel, so per-message differences would mix).
 */
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { ProcessorCounters } from '../pipeline/process';

/** Counter → metric name (namespace TrailAlerts, dimension `service` = trailalerts-processor). */
export const COUNTER_METRICS: Partial<Record<keyof ProcessorCounters, string>> = {
  folded: 'Alerts_folded',
  resumed: 'DeliveriesResumed',
  leasesExpired: 'LeasesExpired',
  leasesBusy: 'LeasesBusy',
  repeatedSends: 'RepeatedSends',
  stateWriteFailures: 'StateWriteFailures',
  sendTimeouts: 'SendTimeouts',
};

/** Adds what grew since `last` (updated in place); true when anything was added. */
export function addCounterMetrics(
  metrics: Metrics,
  counters: ProcessorCounters,
  last: ProcessorCounters,
): boolean {
  let added = false;
  for (const [counter, name] of Object.entries(COUNTER_METRICS) as [keyof ProcessorCounters, string][]) {
    const grown = counters[counter] - last[counter];
    last[counter] = counters[counter];
    if (grown <= 0) continue;
    metrics.addMetric(name, MetricUnit.Count, grown);
    added = true;
  }
  return added;
}
