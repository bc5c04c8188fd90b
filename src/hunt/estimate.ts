/**
 * What a hunt will take before it runs: the log objects of a plan (estimated from CloudTrail's
 * delivery rate, or counted), the time at a worker rate and concurrency, and the cost at public
 * list prices, beside GuardDuty's price for the same events. `hunt --dry-run` prints it;
 * scripts/bench-hunt.ts measures the worker rate it rests on (docs/performance.md, Retro-hunt).
 *
 * The worker model: a worker reads objects `getsInFlight` at a time, so at `latencyMs` per GET it
 * is bounded by the network at getsInFlight / latency objects per second, and by its CPU (the
 * analyzer) at `cpuObjectsPerSecond`: whichever is lower.
 */
import type { HuntPlan } from './plan';
import { EARLY_MARGIN_MS, LATE_MARGIN_MS } from './window';

/**
 * Public list prices, us-east-1, as read from the AWS pricing pages (2025-06; check before
 * quoting): https://aws.amazon.com/lambda/pricing/ (arm64), https://aws.amazon.com/s3/pricing/
 * (S3 Standard GET and LIST), https://aws.amazon.com/step-functions/pricing/ (standard workflow
 * state transitions), https://aws.amazon.com/kms/pricing/, https://aws.amazon.com/guardduty/pricing/
 * (CloudTrail management event analysis, tiered by monthly volume). Free tiers are ignored.
 */
export const HUNT_PRICES = {
  date: '2025-06',
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  s3GetPerThousand: 0.0004,
  s3ListPerThousand: 0.005,
  sfnPerThousandTransitions: 0.025,
  /** Only when the trail's objects use SSE-KMS without an S3 Bucket Key: one Decrypt per GET. */
  kmsPerTenThousandRequests: 0.03,
  /** [events up to, $ per million] for one month's CloudTrail management events. */
  guardDutyTiers: [
    [500e6, 4.0],
    [5e9, 0.8],
    [Number.POSITIVE_INFINITY, 0.4],
  ] as [number, number][],
} as const;

/** CloudTrail delivers an object per account and region about every 5 minutes. */
export const OBJECTS_PER_DAY = 288;
/** The worker's function memory (stacks/constructs/retro-hunt.ts): Lambda's one full vCPU. */
export const WORKER_MEMORY_MB = 1769;
const WORKER_MEMORY_GB = WORKER_MEMORY_MB / 1024;
/** Assumed state transitions per worker call: the child workflow's start, its task and its end. */
export const TRANSITIONS_PER_BATCH = 3;
/**
 * The worker's CPU-bound rate through S3 (objects per CPU-second, ~50 records each), as measured
 * by scripts/bench-hunt.ts (docs/performance.md, Retro-hunt worker): the low end of 230-430.
 */
export const CPU_OBJECTS_PER_SECOND = 230;
/** The worker's share of a core (WORKER_MEMORY_MB; Lambda gives a full vCPU at 1,769 MB). */
const LAMBDA_CPU_SHARE = Math.min(1, WORKER_MEMORY_MB / 1769);

export interface WorkerRateInput {
  getsInFlight: number;
  latencyMs: number;
  /** Objects per second the analyzer sustains on one full core (default CPU_OBJECTS_PER_SECOND). */
  cpuObjectsPerSecond?: number;
  /** Share of a core the function has (default: the worker's memory, of Lambda's 1,769 MB per vCPU). */
  cpuShare?: number;
}

/** Objects per second one worker reads: the lower of its network and its CPU bound. */
export function workerRate(input: WorkerRateInput): number {
  const network = (input.getsInFlight * 1000) / Math.max(input.latencyMs, 1);
  const cpu = (input.cpuObjectsPerSecond ?? CPU_OBJECTS_PER_SECOND) * (input.cpuShare ?? LAMBDA_CPU_SHARE);
  return Math.min(network, cpu);
}

export interface HuntSize {
  objects: number;
  prefixes: number;
  /** Day prefixes per worker call (the ItemBatcher's; default 10). */
  prefixesPerBatch?: number;
  /** CloudTrail records per object, for GuardDuty's price of the same events (default 40). */
  recordsPerObject?: number;
}

export interface HuntEstimate {
  objects: number;
  prefixes: number;
  batches: number;
  workers: number;
  objectsPerSecondPerWorker: number;
  hours: number;
  lambdaGbSeconds: number;
  cost: {
    lambda: number;
    s3: number;
    stepFunctions: number;
    total: number;
    /** Extra when the trail uses SSE-KMS without an S3 Bucket Key. */
    kmsWithoutBucketKey: number;
  };
  events: number;
  guardDuty: number;
}

/** $ for `events` CloudTrail management events in one month at GuardDuty's tiers. */
export function guardDutyCost(events: number): number {
  let left = events;
  let from = 0;
  let cost = 0;
  for (const [upTo, perMillion] of HUNT_PRICES.guardDutyTiers) {
    const n = Math.min(left, upTo - from);
    cost += (n / 1e6) * perMillion;
    left -= n;
    from = upTo;
    if (left <= 0) break;
  }
  return cost;
}

/** Duration and cost of reading `size` at `objectsPerSecondPerWorker` with `workers` at once. */
export function estimateHunt(
  size: HuntSize,
  run: { workers: number; objectsPerSecondPerWorker: number; memoryGb?: number },
): HuntEstimate {
  const p = HUNT_PRICES;
  const batches = Math.ceil(size.prefixes / (size.prefixesPerBatch ?? 10));
  const workerSeconds = size.objects / run.objectsPerSecondPerWorker;
  const lambdaGbSeconds = workerSeconds * (run.memoryGb ?? WORKER_MEMORY_GB);
  const lambda = lambdaGbSeconds * p.lambdaArmPerGbSecond + (batches / 1e6) * p.lambdaPerMillionRequests;
  // One LIST per 1,000 keys of each prefix, at least one.
  const lists = Math.max(size.prefixes, Math.ceil(size.objects / 1000));
  const s3 = (size.objects / 1000) * p.s3GetPerThousand + (lists / 1000) * p.s3ListPerThousand;
  const stepFunctions = ((batches * TRANSITIONS_PER_BATCH) / 1000) * p.sfnPerThousandTransitions;
  const events = size.objects * (size.recordsPerObject ?? 40);
  return {
    objects: size.objects,
    prefixes: size.prefixes,
    batches,
    workers: run.workers,
    objectsPerSecondPerWorker: run.objectsPerSecondPerWorker,
    hours: workerSeconds / run.workers / 3600,
    lambdaGbSeconds,
    cost: {
      lambda,
      s3,
      stepFunctions,
      total: lambda + s3 + stepFunctions,
      kmsWithoutBucketKey: (size.objects / 10_000) * p.kmsPerTenThousandRequests,
    },
    events,
    guardDuty: guardDutyCost(events),
  };
}

const DAY_MS = 86_400_000;
const DAY_TAIL = /(\d{4})\/(\d{2})\/(\d{2})\/$/;

/**
 * The log objects a plan reads, estimated: per day prefix, `objectsPerDay` times the part of that
 * day the worker lists (the window with its key margins, window.ts).
 */
export function estimatePlanObjects(
  plan: Pick<HuntPlan, 'since' | 'until' | 'prefixes'>,
  objectsPerDay = OBJECTS_PER_DAY,
): number {
  const from = Date.parse(plan.since) - EARLY_MARGIN_MS;
  const to = Date.parse(plan.until) + LATE_MARGIN_MS;
  let objects = 0;
  for (const prefix of plan.prefixes) {
    const m = DAY_TAIL.exec(prefix);
    if (!m) {
      objects += objectsPerDay;
      continue;
    }
    const start = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    const overlap = Math.max(0, Math.min(to, start + DAY_MS) - Math.max(from, start));
    objects += (objectsPerDay * overlap) / DAY_MS;
  }
  return Math.round(objects);
}

const money = (n: number) => `$${n < 10 ? n.toFixed(2) : Math.round(n).toLocaleString('en-US')}`;

/** The estimate in a few lines, for `hunt --dry-run` and the bench. */
export function describeEstimate(e: HuntEstimate, latencyMs?: number): string {
  const h = e.hours;
  const time = h < 1 ? `${Math.max(1, Math.round(h * 60))} min` : `${h.toFixed(1)} h`;
  return [
    `  estimate: ${e.objects.toLocaleString('en-US')} objects in ${e.batches.toLocaleString('en-US')} worker calls; ` +
      `${time} at ${e.workers} workers x ${Math.round(e.objectsPerSecondPerWorker)} objects/s` +
      (latencyMs !== undefined ? ` (${latencyMs} ms per GET)` : ''),
    `  cost:     ${money(e.cost.total)} (Lambda ${money(e.cost.lambda)}, S3 ${money(e.cost.s3)}, Step Functions ${money(e.cost.stepFunctions)}; ` +
      `+${money(e.cost.kmsWithoutBucketKey)} KMS if the trail uses SSE-KMS without a bucket key), list prices ${HUNT_PRICES.date}`,
    `  GuardDuty's price for the same ${(e.events / 1e6).toLocaleString('en-US', { maximumFractionDigits: 0 })} M events: ${money(e.guardDuty)}`,
  ].join('\n');
}
