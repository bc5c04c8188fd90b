/**
 * Processor throughput and the cost model, for `npm run bench` (and on its own:
 * `npx tsx scripts/bench-processor.ts [--matches N]`). The processor runs the whole alert path
 * (exceptions, dedupe, correlation, cooldown, routing) with in-memory state and a sender that
 * discards, over matches of the repository's rules on generated events.
 */
import type { Alert, Match } from '../src/alerts';
import { MemoryStateStore } from '../src/alerts/state';
import { loadAccountsConfig, StaticAccountDirectory } from '../src/org';
import { Analyzer, assembleProcessor, buildPolicy, loadDetectionContent } from '../src/runtime';
import { syntheticRecords } from './synthetic-events';

/**
 * Public list prices, us-east-1, as published on the AWS pricing pages (table dated 2025-06;
 * check https://aws.amazon.com/lambda/pricing/ and https://aws.amazon.com/guardduty/pricing/
 * before quoting). Free tiers are ignored.
 */
export const PRICES = {
  date: '2025-06',
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  sqsPerMillionRequests: 0.4,
  s3GetPerThousand: 0.0004,
  /** GuardDuty foundational threat detection: CloudTrail management event analysis, first 500M events/month. */
  guardDutyPerMillionManagementEvents: 4.0,
} as const;

export interface CostInput {
  /** Analyzer throughput on one core. */
  eventsPerSecond: number;
  mbPerSecond: number;
  /** Function memory; at 1,769 MB a function has one full vCPU. */
  memoryMb?: number;
  /** Records per CloudTrail log object (for the per-object request costs). */
  eventsPerObject?: number;
  /** Fraction of events that produce a match message. */
  matchRate?: number;
}

export interface CostRow {
  perMillionEvents: number;
  perGb: number;
  guardDutyPerMillionEvents: number;
}

/** Cost of the analyzer path per million events and per GB of uncompressed CloudTrail. */
export function analyzerCost(input: CostInput): CostRow {
  const memoryGb = (input.memoryMb ?? 1769) / 1024;
  const cpuShare = Math.min(1, (input.memoryMb ?? 1769) / 1769);
  const secondsPerMillion = 1e6 / (input.eventsPerSecond * cpuShare);
  const compute = secondsPerMillion * memoryGb * PRICES.lambdaArmPerGbSecond;
  const objects = 1e6 / (input.eventsPerObject ?? 100);
  // One SQS receive/delete per batch of 10 objects, one GetObject and one Lambda request per batch.
  const requests =
    (objects / 10) * (PRICES.lambdaPerMillionRequests / 1e6) +
    objects * 3 * (PRICES.sqsPerMillionRequests / 1e6) +
    objects * (PRICES.s3GetPerThousand / 1000) +
    1e6 * (input.matchRate ?? 0.01) * 3 * (PRICES.sqsPerMillionRequests / 1e6);
  const perMillionEvents = compute + requests;
  const eventsPerGb = (input.eventsPerSecond / input.mbPerSecond) * 1024;
  return {
    perMillionEvents,
    perGb: (perMillionEvents * eventsPerGb) / 1e6,
    guardDutyPerMillionEvents: PRICES.guardDutyPerMillionManagementEvents,
  };
}

export interface ProcessorBench {
  matches: number;
  alertsPerSecond: number;
  matchesPerSecond: number;
  outcomes: Record<string, number>;
}

/** Feeds `count` matches through the processor and measures matches/s and alert outcomes/s. */
export async function benchProcessor(count = 20000): Promise<ProcessorBench> {
  const loaded = loadAccountsConfig('accounts.yaml');
  if (!loaded.config) throw new Error('accounts.yaml does not load: run `trailalerts validate`');
  const config = loaded.config;
  const content = loadDetectionContent(['rules'], config);
  const policy = buildPolicy(config, content, 'rules');
  const directory = new StaticAccountDirectory(config);
  const analyzer = new Analyzer({ rules: content.bundle.rules, policy, directory });

  // Collect matches from generated events (distinct event ids), cycling until `count`.
  const matches: Match[] = [];
  let seed = 1;
  while (matches.length < count && seed < 50) {
    for (const record of syntheticRecords(5000, { seed: seed++ })) {
      for (const m of await analyzer.analyze({ record, source: { file: 'bench', index: matches.length } })) {
        matches.push(m);
        if (matches.length >= count) break;
      }
      if (matches.length >= count) break;
    }
  }
  const processor = assembleProcessor(config, content, policy, {
    store: new MemoryStateStore(),
    directory,
    sender: { send: async (_a: Alert) => undefined },
  });
  const start = process.hrtime.bigint();
  let outcomes = 0;
  for (const m of matches) outcomes += (await processor.process(m)).length;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const c = processor.counters;
  return {
    matches: matches.length,
    matchesPerSecond: matches.length / seconds,
    alertsPerSecond: outcomes / seconds,
    outcomes: {
      sent: c.sent,
      excepted: c.excepted,
      suppressed: c.suppressed,
      duplicate: c.duplicate,
      unrouted: c.unrouted,
      correlations: c.correlations,
    },
  };
}

export function formatCost(row: CostRow, label: string): string {
  return (
    `${label}: $${row.perMillionEvents.toFixed(4)} per million events, $${row.perGb.toFixed(4)} per GB of CloudTrail ` +
    `(Lambda arm64 at $${PRICES.lambdaArmPerGbSecond}/GB-s, prices of ${PRICES.date}); ` +
    `GuardDuty CloudTrail management event analysis: $${row.guardDutyPerMillionEvents.toFixed(2)} per million events`
  );
}

if (require.main === module) {
  const i = process.argv.indexOf('--matches');
  const n = i > 0 ? Number(process.argv[i + 1]) : 20000;
  benchProcessor(n).then((r) => {
    console.log(
      `processor: ${r.matches} matches, ${Math.round(r.matchesPerSecond)} matches/s, ${Math.round(r.alertsPerSecond)} alert outcomes/s (in-memory state)`,
    );
    console.log(`  outcomes: ${JSON.stringify(r.outcomes)}`);
  });
}
