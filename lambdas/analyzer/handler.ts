/**
 * Analyzer Lambda: objects queue (SQS) → log objects → matches queue. Thin: the work is in
 * pipeline/analyze-object.ts; this file wires AWS clients, cold-start loading and metrics.
 * Each SQS message is its own batch item, so one damaged object never fails the others.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { Analyzer } from '../pipeline/analyze';
import { analyzeObject, DamagedObjectError } from '../pipeline/analyze-object';
import { SqsMatchSink } from '../pipeline/match-queue';
import { objectRefsFromMessage } from '../pipeline/object-events';
import { openObject } from '../pipeline/s3-objects';
import { loadRuntime, requireEnv } from '../pipeline/runtime';

const logger = new Logger();
const metrics = new Metrics();
const batch = new BatchProcessor(EventType.SQS);
const s3 = new S3Client({});
const sqs = new SQSClient({});

let analyzer: Promise<Analyzer> | undefined;

function getAnalyzer(): Promise<Analyzer> {
  analyzer ??= loadRuntime(logger).then((rt) => new Analyzer({ rules: rt.content.bundle.rules, policy: rt.policy, directory: rt.directory }));
  return analyzer;
}

async function handleMessage(message: SQSRecord): Promise<void> {
  const engine = await getAnalyzer();
  const sink = new SqsMatchSink(sqs, requireEnv('MATCHES_QUEUE_URL'));
  for (const ref of objectRefsFromMessage(message.body)) {
    try {
      const result = await analyzeObject(ref, { open: (r) => openObject(s3, r.bucket, r.key), analyzer: engine, sink });
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
        logger.error('damaged log object: good records analyzed, message will be retried', { key: ref.key, problems: err.problems });
      } else {
        logger.error('log object failed', { key: ref.key, error: err as Error });
      }
      throw err;
    }
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  try {
    return await processPartialResponse(event, handleMessage, batch, { context, throwOnFullBatchFailure: false });
  } finally {
    metrics.publishStoredMetrics();
  }
};
