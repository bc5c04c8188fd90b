/**
 * Processor Lambda: matches queue (SQS) → alerts → SES / SNS / webhooks. Thin: the work is in
 * pipeline/process.ts. Partial batch failures: only the messages that failed are retried, and
 * after their retries they wait in the DLQ for `trailalerts replay`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
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
}

export function createProcessorHandler(deps: ProcessorHandlerDeps) {
  const logger = deps.logger ?? new Logger();
  const metrics = deps.metrics ?? new Metrics();
  let processor: Promise<AlertProcessor> | undefined;

  async function build(): Promise<AlertProcessor> {
    const rt = await (deps.runtime ?? (() => loadRuntime(logger)))();
    const client = DynamoDBDocumentClient.from(deps.dynamodb, {
      marshallOptions: { removeUndefinedValues: true },
    });
    const tableName = deps.tableName ?? requireEnv('ALERT_STATE_TABLE');
    const store = new DynamoStateStore({ client, tableName });
    return assembleProcessor(rt.config, rt.content, rt.policy, {
      store,
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

  return sqsBatchHandler(handleMessage, metrics);
}

export const handler = createProcessorHandler({
  dynamodb: new DynamoDBClient({}),
  ses: new SESv2Client({}),
  sns: new SNSClient({}),
  secrets: new SecretsManagerClient({}),
});
