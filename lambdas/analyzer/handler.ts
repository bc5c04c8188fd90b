/**
 * Analyzer Lambda: objects queue (SQS) → log objects → matches queue. Thin: the work is in
 * pipeline/analyze-object.ts; this file wires AWS clients, cold-start loading and metrics.
 * Each SQS message is its own batch item, so one damaged object never fails the others.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { Analyzer } from '../pipeline/analyze';
import { analyzeObject, DamagedObjectError } from '../pipeline/analyze-object';
import { SqsMatchSink } from '../pipeline/match-queue';
import { objectRefsFromMessage } from '../pipeline/object-events';
import { openObject } from '../pipeline/s3-objects';
import { loadRuntime, requireEnv, type Runtime } from '../pipeline/runtime';
import { sqsBatchHandler } from '../pipeline/sqs-batch';
import { trailS3ClientFromEnv } from '../pipeline/trail-s3-client';

export interface AnalyzerHandlerDeps {
  s3: S3Client;
  sqs: SQSClient;
  /** Default: MATCHES_QUEUE_URL. */
  matchesQueueUrl?: string;
  /** Default: accounts.yaml and rules/ from TRAILALERTS_CONFIG / TRAILALERTS_RULES_DIR. */
  runtime?: () => Promise<Runtime>;
  logger?: Logger;
  metrics?: Metrics;
}

export function createAnalyzerHandler(deps: AnalyzerHandlerDeps) {
  const logger = deps.logger ?? new Logger();
  const metrics = deps.metrics ?? new Metrics();
  let analyzer: Promise<Analyzer> | undefined;

  const getAnalyzer = (): Promise<Analyzer> =>
    (analyzer ??= (deps.runtime ?? (() => loadRuntime(logger)))().then(
      (rt) => new Analyzer({ rules: rt.content.bundle.rules, policy: rt.policy, directory: rt.directory }),
    ));

  async function handleMessage(message: SQSRecord): Promise<void> {
    const engine = await getAnalyzer();
    const sink = new SqsMatchSink(deps.sqs, deps.matchesQueueUrl ?? requireEnv('MATCHES_QUEUE_URL'));
    for (const ref of objectRefsFromMessage(message.body)) {
      try {
        const result = await analyzeObject(ref, {
          open: (r) => openObject(deps.s3, r.bucket, r.key),
          analyzer: engine,
          sink,
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

  return sqsBatchHandler(handleMessage, metrics);
}

// Trail reads go through the log-archive account's reader role when TRAIL_READER_ROLE_ARN is set.
export const handler = createAnalyzerHandler({
  s3: trailS3ClientFromEnv('trailalerts-analyzer'),
  sqs: new SQSClient({}),
});
