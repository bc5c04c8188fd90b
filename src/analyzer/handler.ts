/**
 * Analyzer Lambda: objects queue (SQS) → log objects → matches queue. Thin: the work is in
 * runtime/analyze-object.ts; this file wires AWS clients, cold-start loading and metrics.
 * Each SQS message is its own batch item, so one damaged object never fails the others.
 *
 * The cold-start load (accounts.yaml, rules, the account directory, the matches queue's URL) is
 * shared by the container's messages and tried again after it failed (lazyRetrying), so one
 * failure never poisons the container; when every message of a batch failed on it, the handler
 * throws (sqs-batch.ts), so Lambda records an error.
 *
 * Metrics (namespace from POWERTOOLS_METRICS_NAMESPACE, dimension `service` only): ObjectsProcessed,
 * ObjectsSkipped, RecordsEvaluated, Matches, ObjectErrors, MatchesTruncated (a match over SQS's
 * limit sent without its largest fields), DirectoryFallbacks (an account's rule set picked while
 * AWS Organizations did not answer), ColdStartFailures.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import {
  Analyzer,
  analyzeObject,
  DamagedObjectError,
  ColdStartError,
  lazyRetrying,
  SqsMatchSink,
  objectRefsFromMessage,
  openObject,
  loadRuntime,
  requireEnv,
  type Runtime,
  sqsBatchHandler,
  trailS3ClientFromEnv,
} from '../runtime';

export interface AnalyzerHandlerDeps {
  s3: S3Client;
  sqs: SQSClient;
  /** Default: MATCHES_QUEUE_URL. */
  matchesQueueUrl?: string;
  /** Default: accounts.yaml and rules/ from TRAILALERTS_CONFIG / TRAILALERTS_RULES_DIR. */
  runtime?: () => Promise<Runtime>;
  logger?: Logger;
  metrics?: Metrics;
  /** The analyzer's clock (tests). */
  now?: () => number;
}

export function createAnalyzerHandler(deps: AnalyzerHandlerDeps) {
  const logger = deps.logger ?? new Logger();
  const metrics = deps.metrics ?? new Metrics();

  const loaded = lazyRetrying(async () => {
    const rt = await (deps.runtime ?? (() => loadRuntime(logger)))();
    const queueUrl = deps.matchesQueueUrl ?? requireEnv('MATCHES_QUEUE_URL');
    const analyzer = new Analyzer({
      rules: rt.content.bundle.rules,
      policy: rt.policy,
      directory: rt.directory,
      now: deps.now,
      onDirectoryFallback: (accountId) => {
        metrics.addMetric('DirectoryFallbacks', MetricUnit.Count, 1);
        logger.warn(
          'account directory unavailable: rule set picked from accounts.yaml or the root OU, resolved again in a minute',
          { accountId },
        );
      },
    });
    const sink = new SqsMatchSink(deps.sqs, queueUrl, {
      onTruncated: (info) => {
        metrics.addMetric('MatchesTruncated', MetricUnit.Count, 1);
        logger.warn('match over the SQS message limit sent without its largest fields', { ...info });
      },
    });
    return { analyzer, sink, rulesLoaded: rt.content.bundle.rules.length };
  });

  async function load() {
    try {
      return await loaded.get();
    } catch (err) {
      metrics.addMetric('ColdStartFailures', MetricUnit.Count, 1);
      logger.error('cold-start load failed; the next message loads again', {
        error: err as Error,
        consecutiveFailures: loaded.consecutiveFailures,
      });
      throw new ColdStartError(err);
    }
  }

  async function handleMessage(message: SQSRecord): Promise<void> {
    const { analyzer, sink, rulesLoaded } = await load();
    for (const ref of objectRefsFromMessage(message.body)) {
      const started = Date.now();
      try {
        const result = await analyzeObject(ref, {
          open: (r) => openObject(deps.s3, r.bucket, r.key),
          analyzer,
          sink,
        });
        // One line per object, for CloudWatch Logs Insights (filter message = 'object analyzed').
        logger.info('object analyzed', {
          bucket: ref.bucket,
          key: ref.key,
          records: result.records,
          matches: result.matches,
          rulesLoaded,
          durationMs: Date.now() - started,
          ...(result.skipped ? { skipped: 'not a CloudTrail log object (digest, Insights or other)' } : {}),
        });
        if (result.skipped) {
          metrics.addMetric('ObjectsSkipped', MetricUnit.Count, 1);
          continue;
        }
        metrics.addMetric('ObjectsProcessed', MetricUnit.Count, 1);
        metrics.addMetric('RecordsEvaluated', MetricUnit.Count, result.records);
        metrics.addMetric('Matches', MetricUnit.Count, result.matches);
      } catch (err) {
        metrics.addMetric('ObjectErrors', MetricUnit.Count, 1);
        if (err instanceof DamagedObjectError) {
          logger.error('damaged log object: its good records were analyzed; the message will be retried', {
            key: ref.key,
            problems: err.problems,
          });
        } else {
          logger.error('log object failed', { key: ref.key, error: err as Error });
        }
        throw err;
      }
    }
  }

  return sqsBatchHandler(handleMessage, metrics, {
    containerFailure: (err) => err instanceof ColdStartError,
  });
}

// Trail reads go through the log-archive account's reader role when TRAIL_READER_ROLE_ARN is set.
export const handler = createAnalyzerHandler({
  s3: trailS3ClientFromEnv('trailalerts-analyzer'),
  sqs: new SQSClient({}),
});
