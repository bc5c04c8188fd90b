/**
 * The failures the handlers count and survive: one alarm each (stacks/constructs/operations-alarms.ts),
 * one row each in docs/operations.md.
 */

export const QUIET_FAILURES = [
  {
    id: 'AnalyzerObjectErrors',
    metricName: 'ObjectErrors',
    service: 'trailalerts-analyzer',
    description:
      'Analyzer: a log object failed (damaged, unreadable or its matches not queued); it is retried, then dead-lettered',
  },
  {
    id: 'AnalyzerDirectoryFallbacks',
    metricName: 'DirectoryFallbacks',
    service: 'trailalerts-analyzer',
    description:
      'Analyzer: an account was resolved through the fallback (Organizations did not answer): OU-limited rules did not run for it for up to a minute',
  },
  {
    id: 'AnalyzerColdStartFailures',
    metricName: 'ColdStartFailures',
    service: 'trailalerts-analyzer',
    description: 'Analyzer: loading the rules or accounts.yaml failed at cold start; the batch is retried',
  },
  {
    id: 'ProcessorMatchFailures',
    metricName: 'MatchFailures',
    service: 'trailalerts-processor',
    description: 'Processor: a match failed (a send or state write); it is retried, then dead-lettered',
  },
  {
    id: 'ProcessorLeasesExpired',
    metricName: 'LeasesExpired',
    service: 'trailalerts-processor',
    description:
      'Processor: an alert was still in progress past its lease (a run died mid-delivery); the redelivery resumed it from its receipts',
  },
  {
    id: 'ProcessorSendTimeouts',
    metricName: 'SendTimeouts',
    service: 'trailalerts-processor',
    description: 'Processor: a send was abandoned before the invocation timed out; the message is retried',
  },
  {
    id: 'ProcessorColdStartFailures',
    metricName: 'ColdStartFailures',
    service: 'trailalerts-processor',
    description: 'Processor: loading the rules or accounts.yaml failed at cold start; the batch is retried',
  },
  {
    id: 'ProcessorDigestSendFailures',
    metricName: 'DigestSendFailures',
    service: 'trailalerts-processor',
    description: 'Processor: a due digest could not be sent; the next scheduled run tries again',
  },
];
