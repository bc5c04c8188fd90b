/**
 * The SQS event-source wrapper both Lambdas share: every message is its own batch item
 * (Powertools partial batch responses), so a failing message is retried alone and, after its
 * receives, lands in the DLQ; metrics are flushed whatever happens.
 *
 * One exception: when every message of the batch failed for a reason of the container's own
 * (`containerFailure`, e.g. the cold-start load failed), the handler throws. Lambda then records a
 * function error (the Errors metric and its alarm see it) and returns the whole batch to the
 * queue, as the partial response would have.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { TrailAlertsError } from '../core';

export interface SqsBatchOptions {
  /** True for an error that is the container's, not the message's (the handler throws when all are). */
  containerFailure?: (error: unknown) => boolean;
}

/** Thrown when every message of a batch failed with a container failure; `cause` is the first one. */
export class BatchFailedError extends TrailAlertsError {
  constructor(count: number, cause: unknown) {
    super(
      `all ${count} messages of the batch failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

export function sqsBatchHandler(
  handleMessage: (message: SQSRecord) => Promise<void>,
  metrics: Metrics,
  options: SqsBatchOptions = {},
) {
  const batch = new BatchProcessor(EventType.SQS);
  const { containerFailure } = options;
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const failures: unknown[] = [];
    const handle = containerFailure
      ? async (message: SQSRecord): Promise<void> => {
          try {
            await handleMessage(message);
          } catch (err) {
            if (containerFailure(err)) failures.push(err);
            throw err;
          }
        }
      : handleMessage;
    try {
      const response = await processPartialResponse(event, handle, batch, {
        context,
        throwOnFullBatchFailure: false,
      });
      const count = event.Records.length;
      if (count > 0 && failures.length === count) throw new BatchFailedError(count, failures[0]);
      return response;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
