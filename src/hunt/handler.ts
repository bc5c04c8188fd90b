/**
 * Hunt worker Lambda: one ItemBatcher batch of day prefixes from the retro-hunt state machine →
 * huntBatch (worker.ts) → counts, listed matches, damaged and unreadable objects as the child
 * workflow's output (written to the hunt bucket by the map's ResultWriter). Thin: AWS clients,
 * cold-start loading of the shipped rules and accounts.yaml, metrics.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import {
  lazyRetrying,
  SqsMatchSink,
  loadRuntime,
  requireEnv,
  type Runtime,
  openObject,
  trailS3ClientFromEnv,
} from '../runtime';
import { parseHuntBatch } from './input';
import type { HuntBatchResult } from './tally';
import { getsInFlightFrom, huntBatch } from './worker';

export interface HuntHandlerDeps {
  s3: S3Client;
  sqs: SQSClient;
  /** Defaults: MATCHES_QUEUE_URL, TRAIL_BUCKET, TRAIL_LOGS_ROOT. */
  matchesQueueUrl?: string;
  trailBucket?: string;
  /** `[<prefix>/]AWSLogs/<org-id>/`: the only part of the bucket the worker lists. */
  trailLogsRoot?: string;
  runtime?: () => Promise<Runtime>;
  rulesRoot?: string;
  /** Objects fetched at once (default HUNT_GETS_IN_FLIGHT, else 16). */
  getsInFlight?: number;
  logger?: Logger;
  metrics?: Metrics;
}

export function createHuntHandler(deps: HuntHandlerDeps) {
  const logger = deps.logger ?? new Logger();
  const metrics = deps.metrics ?? new Metrics();
  // Shared by the container's invocations; a failed load is tried again by the next one.
  const runtime = lazyRetrying(deps.runtime ?? (() => loadRuntime(logger)));

  return async (
    event: unknown,
    context: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<HuntBatchResult> => {
    const items = parseHuntBatch(event, deps.trailLogsRoot ?? requireEnv('TRAIL_LOGS_ROOT'));
    const rt = await runtime.get();
    const trailBucket = deps.trailBucket ?? requireEnv('TRAIL_BUCKET');
    const needsQueue = items.some((i) => i.mode === 'alert');
    let truncated = 0;
    try {
      const result = await huntBatch(items, {
        s3: deps.s3,
        trailBucket,
        open: (bucket, key) => openObject(deps.s3, bucket, key),
        rules: rt.content.bundle.rules,
        filters: rt.content.bundle.filters,
        analyzerOptions: { policy: rt.policy, directory: rt.directory },
        sink: needsQueue
          ? new SqsMatchSink(deps.sqs, deps.matchesQueueUrl ?? requireEnv('MATCHES_QUEUE_URL'), {
              onTruncated: (info) => {
                truncated++;
                logger.warn('match over the SQS message limit sent without its largest fields', {
                  ...info,
                });
              },
            })
          : undefined,
        rulesRoot: deps.rulesRoot ?? process.env.TRAILALERTS_RULES_DIR,
        remainingMs: () => context.getRemainingTimeInMillis(),
        getsInFlight: deps.getsInFlight ?? getsInFlightFrom(process.env.HUNT_GETS_IN_FLIGHT),
      });
      result.truncatedMatches = truncated;
      metrics.addMetric('HuntObjects', MetricUnit.Count, result.objects);
      metrics.addMetric('HuntRecords', MetricUnit.Count, result.records);
      metrics.addMetric('HuntMatches', MetricUnit.Count, result.matches);
      metrics.addMetric('HuntDamagedObjects', MetricUnit.Count, result.damagedObjects);
      metrics.addMetric('HuntUnreadableObjects', MetricUnit.Count, result.unreadableObjects);
      metrics.addMetric('HuntMatchesTruncated', MetricUnit.Count, truncated);
      if (result.damagedObjects > 0)
        logger.warn('damaged log objects in hunt batch', {
          count: result.damagedObjects,
          damaged: result.damaged,
        });
      if (result.unreadableObjects > 0)
        logger.warn('hunt batch could not read some objects; their prefixes are to be hunted again', {
          count: result.unreadableObjects,
          unreadable: result.unreadable,
          prefixes: result.unreadablePrefixes,
        });
      if (result.unfinished.length > 0)
        logger.warn('hunt batch ran out of time', { unfinished: result.unfinished });
      if (result.unknownRules.length > 0)
        logger.warn('hunt rule references matched no shipped rule', { rules: result.unknownRules });
      return result;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

// Trail reads go through the log-archive account's reader role when TRAIL_READER_ROLE_ARN is set.
export const handler = createHuntHandler({
  s3: trailS3ClientFromEnv('trailalerts-hunt-worker'),
  sqs: new SQSClient({}),
});
