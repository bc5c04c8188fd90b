/**
 * Poller Lambda (scheduled by EventBridge): lists the trail bucket for new log objects and queues
 * them for the analyzer, for landing zones that forbid the log bucket's event notifications.
 * Thin: the work is in poll.ts; this file wires the AWS adapters, logs the run's summary, emits
 * metrics, and fails the invocation when a prefix failed (after queueing all it could), so the
 * function's Errors metric and its alarm see it.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { trailS3ClientFromEnv } from '../runtime';
import { SqsObjectsQueue } from './objects-queue';
import { pollTrail, type PollSummary } from './poll';
import { S3TrailListing } from './s3-listing';
import { DynamoSeenKeys } from './seen-keys';
import { pollerSettings } from './settings';
import { TrailAlertsError } from '../core';

export interface PollerHandlerDeps {
  /** Reads the trail bucket: the reader role when TRAIL_READER_ROLE_ARN is set. */
  s3: S3Client;
  sqs: SQSClient;
  dynamodb: DynamoDBDocumentClient;
  /** Default process.env. */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  logger?: Logger;
  metrics?: Metrics;
}

/** At most this many failed prefixes go into the log line and the error; the count is always exact. */
const MAX_LISTED_FAILURES = 50;

export class PollFailedError extends TrailAlertsError {
  constructor(readonly summary: PollSummary) {
    const first = summary.failedPrefixes[0];
    super(
      `trail poll: ${summary.failedPrefixes.length} prefixes failed (first: ${first?.prefix}: ${first?.error}); ` +
        `${summary.sent} objects were queued`,
    );
  }
}

export function createPollerHandler(deps: PollerHandlerDeps) {
  const logger = deps.logger ?? new Logger();
  const metrics = deps.metrics ?? new Metrics();
  const now = deps.now ?? (() => Date.now());

  return async (
    _event: unknown,
    context: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<PollSummary> => {
    const settings = pollerSettings(deps.env ?? process.env);
    try {
      const summary = await pollTrail(settings.poll, {
        listing: new S3TrailListing({ s3: deps.s3, bucket: settings.poll.bucket }),
        seen: new DynamoSeenKeys({
          client: deps.dynamodb,
          tableName: settings.stateTable,
          ttlSeconds: settings.seenTtlSeconds,
          now,
        }),
        queue: new SqsObjectsQueue({ sqs: deps.sqs, queueUrl: settings.queueUrl }),
        now: now(),
        remainingMs: () => context.getRemainingTimeInMillis(),
      });
      metrics.addMetric('ObjectsQueued', MetricUnit.Count, summary.sent);
      metrics.addMetric('PollFailures', MetricUnit.Count, summary.failedPrefixes.length);
      metrics.addMetric('PollUnfinishedPrefixes', MetricUnit.Count, summary.unfinished);
      const logged = { ...summary, failedPrefixes: summary.failedPrefixes.slice(0, MAX_LISTED_FAILURES) };
      if (summary.failedPrefixes.length > 0) {
        logger.error('trail poll: some prefixes failed; the next run lists them again', logged);
        throw new PollFailedError(summary);
      }
      if (summary.stoppedBy)
        logger.warn(`trail poll stopped early (${summary.stoppedBy}); the next run lists the rest`, logged);
      else logger.info('trail poll', logged);
      return summary;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

export const handler = createPollerHandler({
  s3: trailS3ClientFromEnv('trailalerts-poller'),
  sqs: new SQSClient({}),
  dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient({})),
});
