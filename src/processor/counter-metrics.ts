/**
 * The processor's metrics: the counters' growth since the last invocation (added once per
 * invocation: messages of a batch run in parallel, so per-message differences would mix), the
 * outcomes per OU, the detection lag and the exceptions about to expire. The names are exported
 * for the dashboard (stacks/constructs/detection-dashboard.ts), which imports them, so a widget
 * never names a metric the code does not emit (test/stacks/dashboard.test.ts).
 *
 * Only types are imported here (the CDK app imports this file at synth).
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { expiryInstant, type AccountsConfig, type ExceptionConfig } from '../org';
import type { ProcessorCounters } from '../runtime';

type Unit = Parameters<Metrics['addMetric']>[1];
const COUNT = 'Count' as Unit;
const MILLISECONDS = 'Milliseconds' as Unit;

/** The namespace both functions publish in (POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'TrailAlerts';
export const PROCESSOR_SERVICE = 'trailalerts-processor';
export const ANALYZER_SERVICE = 'trailalerts-analyzer';

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

/** What the analyzer emits (src/analyzer/handler.ts), dimension `service` only. */
export const ANALYZER_METRICS = {
  objectsProcessed: 'ObjectsProcessed',
  recordsEvaluated: 'RecordsEvaluated',
  matches: 'Matches',
} as const;

/** The processor's own metrics, dimension `service` only. */
export const PROCESSOR_METRICS = {
  /** Event time (eventTime; a finding's updatedAt) to the alert sent, one value per sent alert. */
  detectionLag: 'DetectionLag',
  /** Exceptions whose `expires` falls within EXPIRING_WITHIN_DAYS (scheduled run; a gauge). */
  exceptionsExpiringSoon: 'ExceptionsExpiringSoon',
  /** GuardDuty events refused (malformed, another source): kept in the matches DLQ. */
  guardDutyRejected: 'GuardDutyRejected',
  matchFailures: 'MatchFailures',
} as const;

/** Per OU: the same names with a second dimension, OU_DIMENSION (the account's OU path). */
export const OU_METRICS = {
  matches: 'Matches',
  sent: 'Alerts_sent',
  excepted: 'Alerts_excepted',
  suppressed: 'Alerts_suppressed',
  unrouted: 'Alerts_unrouted',
} as const;
export type OuMetric = keyof typeof OU_METRICS;
export const OU_DIMENSION = 'ouPath';
/** Distinct OU paths one container publishes; any further OU is published as OTHER_OU. */
export const MAX_OU_VALUES = 100;
export const OTHER_OU = '(other)';
export const EXPIRING_WITHIN_DAYS = 14;
/** The processor's log line per outcome (rule, OU, outcome; never the actor): Logs Insights widgets. */
export const OUTCOME_LOG_MESSAGE = 'alert outcome';

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
    metrics.addMetric(name, COUNT, grown);
    added = true;
  }
  return added;
}

/**
 * Outcomes per OU path, summed over an invocation and published at its end, one EMF line per
 * (OU, metric) with dimensions `service` and `ouPath`. The OU path is bounded by the organization's
 * OUs (never an actor or an event value); past MAX_OU_VALUES distinct paths the rest count as
 * OTHER_OU, so a directory gone wrong cannot create metrics without end.
 */
export class OuMetrics {
  private readonly pending = new Map<string, Map<OuMetric, number>>();
  private readonly seen = new Set<string>();

  add(ouPath: string | undefined, metric: OuMetric, n = 1): void {
    const ou = this.dimensionOf(ouPath);
    let counts = this.pending.get(ou);
    if (!counts) this.pending.set(ou, (counts = new Map()));
    counts.set(metric, (counts.get(metric) ?? 0) + n);
  }

  /** Publishes and forgets what was added. */
  publish(metrics: Metrics): void {
    for (const [ou, counts] of this.pending) {
      for (const [metric, n] of counts) {
        // A single metric publishes at once and then forgets its dimensions: one per value.
        const single = metrics.singleMetric();
        single.addDimension(OU_DIMENSION, ou);
        single.addMetric(OU_METRICS[metric], COUNT, n);
      }
    }
    this.pending.clear();
  }

  private dimensionOf(ouPath: string | undefined): string {
    const ou = typeof ouPath === 'string' && ouPath.length > 0 ? ouPath.slice(0, 250) : '/';
    if (this.seen.has(ou)) return ou;
    if (this.seen.size >= MAX_OU_VALUES) return OTHER_OU;
    this.seen.add(ou);
    return ou;
  }
}

/** Adds one DetectionLag value: from the event's time to `now` (never negative). */
export function addDetectionLag(metrics: Metrics, eventTime: string, now: Date): void {
  const ms = Date.parse(eventTime);
  if (!Number.isFinite(ms)) return;
  metrics.addMetric(PROCESSOR_METRICS.detectionLag, MILLISECONDS, Math.max(0, now.getTime() - ms));
}

/**
 * Exceptions of accounts.yaml (org-wide, per OU, per account) and of an imported exceptions.json
 * (`extra`, their expiry instants) still in force at `now` whose expiry falls within `days`.
 */
export function exceptionsExpiringWithin(
  config: AccountsConfig,
  now: Date,
  days = EXPIRING_WITHIN_DAYS,
  extra: readonly (Date | undefined)[] = [],
): number {
  const lists: (ExceptionConfig[] | undefined)[] = [
    config.exceptions,
    ...Object.values(config.organizationalUnits ?? {}).map((ou) => ou?.exceptions),
    ...Object.values(config.accounts ?? {}).map((a) => a?.exceptions),
  ];
  const instants = [
    ...lists.flatMap((list) =>
      (list ?? []).map((e) => (e?.expires === undefined ? undefined : expiryInstant(String(e.expires)))),
    ),
    ...extra,
  ];
  const from = now.getTime();
  const until = from + days * 24 * 3600_000;
  return instants.filter((at) => at !== undefined && at.getTime() > from && at.getTime() <= until).length;
}

export function addExceptionsExpiring(metrics: Metrics, count: number): void {
  metrics.addMetric(PROCESSOR_METRICS.exceptionsExpiringSoon, COUNT, count);
}
