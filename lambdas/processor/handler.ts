/**
 * Processor Lambda: matches queue (SQS) → alerts → SES / SNS / webhooks. Thin: the work is in
 * pipeline/process.ts. Partial batch failures: only the messages that failed are retried, and
 * after their retries they wait in the DLQ for `trailalerts replay`.
 *
 * A scheduled invocation (EventBridge `Scheduled Event`) sends the digests whose window has
 * closed, so a digest goes out even when no later alert of its key comes to carry it. A digest
 * whose send fails stays due for the next run; the invocation then fails, for the errors alarm.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, ScheduledEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoStateStore } from '../alerts/state/dynamodb-store';
import { DynamoIpContextCache } from '../enrich/dynamodb-cache';
import { ipContextFromConfig } from '../enrich/index';
import { createAwsDispatcher } from '../notify/dispatcher';
import type { RetryOptions } from '../notify/retry';
import { assembleProcessor } from '../pipeline/assemble';
import { decodeMatch } from '../pipeline/match-queue';
import type { AlertProcessor } from '../pipeline/process';
import { loadRuntime, requireEnv, type Runtime } from '../pipeline/runtime';
import { sqsBatchHandler } from '../pipeline/sqs-batch';

export interface ProcessorHandlerDeps {
  dynamodb: DynamoDBClient;
  ses: SESv2Client;
  sns: SNSClient;
  secrets: SecretsManagerClient;
  /** Default: ALERT_STATE_TABLE. */
  tableName?: string;
  /** Default: SES_CONFIGURATION_SET. */
  configurationSet?: string;
  /** VPNAPI base URL (tests point it at a local server). */
  ipContextBaseUrl?: string;
  retry?: RetryOptions;
  runtime?: () => Promise<Runtime>;
  logger?: Logger;
  metrics?: Metrics;
  /** Wall clock (state expiry, when digests are due); tests move it. */
  now?: () => Date;
}

/** What a scheduled run did. */
export interface FlushSummary {
  digests: number;
  failures: number;
}

/** Messages from the matches queue, or the schedule's tick. */
export interface ProcessorHandler {
  (event: SQSEvent, context: Context): Promise<SQSBatchResponse>;
  (event: ScheduledEvent, context: Context): Promise<FlushSummary>;
}

export function createProcessorHandler(deps: ProcessorHandlerDeps): ProcessorHandler {
  const logger = deps.logger ?? new Logger();
  const metrics = deps.metrics ?? new Metrics();
  let processor: Promise<AlertProcessor> | undefined;

  async function build(): Promise<AlertProcessor> {
    const rt = await (deps.runtime ?? (() => loadRuntime(logger)))();
    const client = DynamoDBDocumentClient.from(deps.dynamodb, {
      marshallOptions: { removeUndefinedValues: true },
    });
    const tableName = deps.tableName ?? requireEnv('ALERT_STATE_TABLE');
    const store = new DynamoStateStore({ client, tableName, now: deps.now });
    return assembleProcessor(rt.config, rt.content, rt.policy, {
      store,
      now: deps.now,
      directory: rt.directory,
      sender: createAwsDispatcher({ ses: deps.ses, sns: deps.sns, secrets: deps.secrets, retry: deps.retry }),
      defaultConfigurationSet: deps.configurationSet ?? process.env.SES_CONFIGURATION_SET,
      ipContext: ipContextFromConfig(rt.config.enrichment, {
        secrets: deps.secrets,
        // IP context is cached in the state table (TTL), shared by every processor instance.
        cache: new DynamoIpContextCache({ client, tableName }),
        ...(deps.ipContextBaseUrl ? { baseUrl: deps.ipContextBaseUrl } : {}),
        onFailure: (reason) => metrics.addMetric(`IpContextFailure_${reason}`, MetricUnit.Count, 1),
      }),
    });
  }

  async function handleMessage(message: SQSRecord): Promise<void> {
    const engine = await (processor ??= build());
    // A folded alert has no outcome yet (its digest's comes later): counted here instead.
    const foldedBefore = engine.counters.folded;
    let outcomes;
    try {
      outcomes = await engine.process(decodeMatch(message.body));
    } catch (err) {
      // Logged for operators (notifier errors never carry URLs or keys), then retried by SQS.
      metrics.addMetric('MatchFailures', MetricUnit.Count, 1);
      logger.error('match processing failed; the message will be retried', {
        messageId: message.messageId,
        error: err as Error,
      });
      throw err;
    }
    const folded = engine.counters.folded - foldedBefore;
    if (folded > 0) metrics.addMetric('Alerts_folded', MetricUnit.Count, folded);
    for (const outcome of outcomes) {
      metrics.addMetric(`Alerts_${outcome.kind}`, MetricUnit.Count, 1);
      if (outcome.kind === 'unrouted') {
        logger.warn('alert matched no route', {
          alertId: outcome.alert.id,
          rule: outcome.alert.rule.title,
          account: outcome.alert.account.id,
        });
      }
    }
  }

  /** Sends what is due, leaving a margin of the invocation's time for the last send to finish. */
  async function flushDigests(context: Context): Promise<FlushSummary> {
    try {
      const engine = await (processor ??= build());
      const result = await engine.flushDigests({
        limit: FLUSH_LIMIT,
        stop: () => (context.getRemainingTimeInMillis?.() ?? Infinity) < FLUSH_MARGIN_MS,
      });
      for (const outcome of result.outcomes) metrics.addMetric(`Alerts_${outcome.kind}`, MetricUnit.Count, 1);
      metrics.addMetric('DigestsFlushed', MetricUnit.Count, result.outcomes.length);
      if (result.failures.length > 0) {
        metrics.addMetric('DigestSendFailures', MetricUnit.Count, result.failures.length);
        logger.error('digest sends failed; they stay due for the next run', { failures: result.failures });
        throw new Error(`${result.failures.length} digest sends failed (retried by the next scheduled run)`);
      }
      return { digests: result.outcomes.length, failures: 0 };
    } finally {
      metrics.publishStoredMetrics();
    }
  }

  const onMessages = sqsBatchHandler(handleMessage, metrics);
  const handle = async (event: SQSEvent | ScheduledEvent, context: Context) =>
    isScheduledEvent(event) ? flushDigests(context) : onMessages(event as SQSEvent, context);
  return handle as ProcessorHandler;
}

/** Digests sent per scheduled run at most; the rest wait for the next run. */
const FLUSH_LIMIT = 200;
const FLUSH_MARGIN_MS = 15_000;

/** The event an EventBridge schedule rule sends (its default input). */
export function isScheduledEvent(event: unknown): event is ScheduledEvent {
  const e = event as Partial<ScheduledEvent> | undefined;
  return e?.source === 'aws.events' && e['detail-type'] === 'Scheduled Event';
}

export const handler = createProcessorHandler({
  dynamodb: new DynamoDBClient({}),
  ses: new SESv2Client({}),
  sns: new SNSClient({}),
  secrets: new SecretsManagerClient({}),
});
