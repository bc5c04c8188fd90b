/**
 * What `trailalerts hunt` prints before anything runs: the plan's log objects (estimated from
 * CloudTrail's delivery rate), the expected duration at the concurrency accounts.yaml configures
 * (deployment.huntMaxConcurrency, huntGetsInFlight) and the cost, beside GuardDuty's price for the
 * same events (src/hunt/estimate.ts), and a warning when the plan would outlast the state
 * machine's timeout (deployment.huntTimeoutHours).
 */
import {
  describeEstimate,
  estimateHunt,
  estimatePlanObjects,
  OBJECTS_PER_DAY,
  workerRate,
  type HuntPlan,
} from '../../src/hunt';
import type { AccountsConfig } from '../../src/org';

/** The GET round trip the estimate assumes (S3 in the same region; docs/performance.md). */
export const ASSUMED_GET_LATENCY_MS = 40;

export function planEstimate(
  plan: HuntPlan,
  config: AccountsConfig,
  objectsPerDay = OBJECTS_PER_DAY,
): { text: string; hours: number; timeoutHours: number } {
  const d = config.deployment ?? {};
  const reserved = d.huntWorkerReservedConcurrency ?? 20;
  const workers = Math.min(d.huntMaxConcurrency ?? reserved, reserved);
  const getsInFlight = d.huntGetsInFlight ?? 16;
  const timeoutHours = d.huntTimeoutHours ?? 168;
  const objects = estimatePlanObjects(plan, objectsPerDay);
  const estimate = estimateHunt(
    { objects, prefixes: plan.prefixes.length },
    {
      workers,
      objectsPerSecondPerWorker: workerRate({ getsInFlight, latencyMs: ASSUMED_GET_LATENCY_MS }),
    },
  );
  const lines = [
    `${describeEstimate(estimate, ASSUMED_GET_LATENCY_MS)}`,
    `            (${objectsPerDay} objects per account, region and day; ${getsInFlight} GETs in flight per worker; ` +
      `deployment.huntMaxConcurrency ${workers}, huntGetsInFlight ${getsInFlight} in accounts.yaml)`,
  ];
  if (estimate.hours > timeoutHours)
    lines.push(
      `  warning:  longer than the state machine's ${timeoutHours} h timeout (deployment.huntTimeoutHours): ` +
        'raise it, or the concurrency, or hunt a shorter range',
    );
  return { text: `${lines.join('\n')}\n`, hours: estimate.hours, timeoutHours };
}
