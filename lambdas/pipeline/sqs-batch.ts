/**
 * The SQS event-source wrapper both Lambdas share: every message is its own batch item
 * (Powertools partial batch responses), so a failing message is retried alone and, after its
 * receives, lands in the DLQ; metrics are flushed whatever happens.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export function sqsBatchHandler(handleMessage: (message: SQSRecord) => Promise<void>, metrics: Metrics) {
  const batch = new BatchProcessor(EventType.SQS);
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    try {
      return await processPartialResponse(event, handleMessage, batch, {
        context,
        throwOnFullBatchFailure: false,
      });
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
