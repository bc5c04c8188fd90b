/**
 * Processor Lambda: matches queue (SQS) → alerts → SES / SNS / webhooks / PagerDuty / Security
 * Hub. Thin: the work is in runtime/process.ts. Partial batch failures: only the messages that
 * failed are retried, and after their retries they wait in the DLQ for `trailalerts replay`.
 *
 * A scheduled invocation (EventBridge `Scheduled Event`) sends the digests whose window has
 * closed, so a digest goes out even when no later alert of its key comes to carry it. A digest
 * whose send fails stays due for the next run; the invocation then fails, for the errors alarm.
 *
 * Every send is capped by the time the invocation has left (`context.getRemainingTimeInMillis()`),
 * so a hanging destination fails the message cleanly before Lambda kills the sandbox. The
 * cold-start load is retried by the next message after it failed (lazyRetrying); when every
 * message of a batch failed on it, the handler throws, so Lambda records an error and the
 * container is eventually replaced.
 *
 * Metrics (namespace POWERTOOLS_METRICS_NAMESPACE, dimension `service` only): Alerts_<outcome>,
 * Alerts_folded, MatchFailures, LeasesBusy, LeasesExpired, DeliveriesResumed, RepeatedSends,
 * StateWriteFailures, SendTimeouts, ColdStartFailures, DigestsFlushed, DigestSendFailures,
 * IpContextFailure_<reason> (counter-metrics.ts says what each counter means); DetectionLag (one
 * value per sent alert), GuardDutyRejected, ExceptionsExpiringSoon (scheduled run); and with a
 * second dimension `ouPath`: Matches, Alerts_sent, Alerts_excepted, Alerts_suppressed,
 * Alerts_unrouted (counter-metrics.ts OuMetrics). One log line per outcome ('alert outcome': rule
 * id and title, OU path, outcome; never the actor) feeds the dashboard's noisiest-rules widget.
 *
 * GuardDuty findings arrive on the same queue as EventBridge events (decodeMatch).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, ScheduledEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { LeaseBusyError, type AlertOutcome } from '../alerts';
import { DynamoStateStore } from '../alerts/state';
import { DynamoIpContextCache, ipContextFromConfig } from '../enrich';
import { createAwsDispatcher, type RetryOptions, type FindingsImporter } from '../notify';
import {
  assembleProcessor,
  findingsAccountOf,
  ColdStartError,
  lazyRetrying,
  decodeMatch,
  emptyCounters,
  type AlertProcessor,
  loadRuntime,
  requireEnv,
  type Runtime,
  UNLIMITED,
  type TimeBudget,
  sqsBatchHandler,
  StoredFindingTimes,
} from '../runtime';
import { SecretsManagerReader } from '../secrets';
import { processorClients } from './clients';
import { GuardDutyInputError } from '../guardduty';
import type { AccountDirectory } from '../org';
import {
  addCounterMetrics,
  addDetectionLag,
  addExceptionsExpiring,
  exceptionsExpiringWithin,
  OuMetrics,
  OUTCOME_LOG_MESSAGE,
  PROCESSOR_METRICS,
} from './counter-metrics';

export interface ProcessorHandlerDeps {
  dynamodb: DynamoDBClient;
  ses: SESv2Client;
  sns: SNSClient;
  secrets: SecretsManagerClient;
  /** Security Hub's BatchImportFindings; without it a securityhub destination fails its sends. */
  findings?: FindingsImporter;
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
  const loaded = lazyRetrying(async () => {
    try {
      return await build();
    } catch (err) {
      // Once per failed load, however many messages were waiting on it.
      metrics.addMetric('ColdStartFailures', MetricUnit.Count, 1);
      logger.error('cold-start load failed; the next message loads again', {
        error: err as Error,
        consecutiveFailures: loaded.consecutiveFailures + 1,
      });
      throw err;
    }
  });
  let loadedEngine: AlertProcessor | undefined;
  let loadedRuntime: Runtime | undefined;
  const published = emptyCounters();
  const perOu = new OuMetrics();
  const clock = () => deps.now?.() ?? new Date();
  // The running invocation's clock (Lambda runs one invocation at a time per container).
  let budget: TimeBudget = UNLIMITED;

  async function build(): Promise<AlertProcessor> {
    const rt = await (deps.runtime ?? (() => loadRuntime(logger)))();
    loadedRuntime = rt;
    const client = DynamoDBDocumentClient.from(deps.dynamodb, {
      marshallOptions: { removeUndefinedValues: true },
    });
    const tableName = deps.tableName ?? requireEnv('ALERT_STATE_TABLE');
    const store = new DynamoStateStore({ client, tableName, now: deps.now });
    // One cached reader for webhook URLs, routing keys and the VPNAPI key.
    const secrets = new SecretsManagerReader(deps.secrets);
    return assembleProcessor(rt.config, rt.content, rt.policy, {
      store,
      now: deps.now,
      directory: rt.directory,
      sender: createAwsDispatcher({
        ses: deps.ses,
        sns: deps.sns,
        secrets,
        findings: deps.findings
          ? {
              importer: deps.findings,
              account: findingsAccountOf(rt.config),
              // Repeats keep the finding's first observation (CreatedAt, FirstObservedAt).
              times: new StoredFindingTimes(store, () => clock().getTime()),
            }
          : undefined,
        retry: deps.retry,
        now: deps.now,
      }),
      defaultConfigurationSet: deps.configurationSet ?? process.env.SES_CONFIGURATION_SET,
      ipContext: ipContextFromConfig(rt.config.enrichment, {
        secrets,
        // IP context is cached in the state table (TTL), shared by every processor instance.
        cache: new DynamoIpContextCache({ client, tableName }),
        ...(deps.ipContextBaseUrl ? { baseUrl: deps.ipContextBaseUrl } : {}),
        onFailure: (reason) => metrics.addMetric(`IpContextFailure_${reason}`, MetricUnit.Count, 1),
      }),
    });
  }

  async function engine(): Promise<AlertProcessor> {
    try {
      return (loadedEngine = await loaded.get());
    } catch (err) {
      throw new ColdStartError(err);
    }
  }

  async function handleMessage(message: SQSRecord): Promise<void> {
    const processor = await engine();
    let outcomes;
    try {
      const match = decodeMatch(message.body);
      perOu.add(await ouOf(loadedRuntime?.directory, match.accountId), 'matches');
      outcomes = await processor.process(match, { budget });
    } catch (err) {
      if (err instanceof GuardDutyInputError) {
        // Kept: retried like any failed message, then in the matches DLQ for `trailalerts replay`.
        metrics.addMetric(PROCESSOR_METRICS.guardDutyRejected, MetricUnit.Count, 1);
      }
      if (onlyBusy(err)) {
        // Another run is delivering it now: SQS brings it back after the visibility timeout.
        logger.info('alert being delivered by another run; the message will be retried', {
          messageId: message.messageId,
        });
        throw err;
      }
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
      observe(outcome);
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
  async function flushDigests(): Promise<FlushSummary> {
    try {
      const processor = await engine();
      const result = await processor.flushDigests({
        limit: FLUSH_LIMIT,
        stop: () => budget.remainingMs() < FLUSH_MARGIN_MS,
        budget,
      });
      for (const outcome of result.outcomes) {
        metrics.addMetric(`Alerts_${outcome.kind}`, MetricUnit.Count, 1);
        observe(outcome);
      }
      metrics.addMetric('DigestsFlushed', MetricUnit.Count, result.outcomes.length);
      if (loadedRuntime) {
        const imported = loadedRuntime.content.importedExceptions.map((e) => e.expiresAt);
        addExceptionsExpiring(
          metrics,
          exceptionsExpiringWithin(loadedRuntime.config, clock(), undefined, imported),
        );
      }
      if (result.failures.length > 0) {
        metrics.addMetric('DigestSendFailures', MetricUnit.Count, result.failures.length);
        logger.error('digest sends failed; they stay due for the next run', { failures: result.failures });
        throw new Error(`${result.failures.length} digest sends failed (retried by the next scheduled run)`);
      }
      return { digests: result.outcomes.length, failures: 0 };
    } finally {
      publishCounters();
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  }

  /** The counters' growth since the last invocation, as metrics (published by the caller). */
  function publishCounters(): void {
    if (loadedEngine) addCounterMetrics(metrics, loadedEngine.counters, published);
    perOu.publish(metrics);
  }

  /** Per OU, the detection lag of what was sent, and a log line for the noisiest-rules widget. */
  function observe(outcome: AlertOutcome): void {
    const { alert } = outcome;
    const ouPath = alert.account.ouPath;
    if (outcome.kind !== 'duplicate') perOu.add(ouPath, outcome.kind);
    if (outcome.kind === 'sent') addDetectionLag(metrics, alert.time, clock());
    logger.info(OUTCOME_LOG_MESSAGE, {
      outcome: outcome.kind,
      ruleId: alert.rule.id,
      ruleTitle: alert.rule.title,
      ouPath,
      accountId: alert.account.id,
      alertId: alert.id,
      ...(outcome.kind === 'excepted' ? { exception: outcome.exception } : {}),
    });
  }

  const onMessages = sqsBatchHandler(handleMessage, metrics, {
    containerFailure: (err) => err instanceof ColdStartError,
  });

  async function onBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    try {
      return await onMessages(event, context);
    } finally {
      // The batch's own metrics are out already; the counters' growth follows.
      publishCounters();
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  }

  const handle = async (event: SQSEvent | ScheduledEvent, context: Context) => {
    budget = budgetOf(context);
    return isScheduledEvent(event) ? flushDigests() : onBatch(event as SQSEvent, context);
  };
  return handle as ProcessorHandler;
}

/** The invocation's remaining time; none known (tests, local runs) means no deadline. */
function budgetOf(context: Context | undefined): TimeBudget {
  const remaining = context?.getRemainingTimeInMillis;
  return typeof remaining === 'function' ? { remainingMs: () => remaining.call(context) } : UNLIMITED;
}

/** The OU path of an account, for the per-OU metrics; `/` when the directory cannot say. */
async function ouOf(directory: AccountDirectory | undefined, accountId: string): Promise<string> {
  try {
    return (await directory?.resolve(accountId))?.ouPath ?? '/';
  } catch {
    return '/';
  }
}

/** Whether every part of a failure is a lease held by another run (not a failure of this one). */
function onlyBusy(err: unknown): boolean {
  if (err instanceof LeaseBusyError) return true;
  return err instanceof AggregateError && err.errors.length > 0 && err.errors.every(onlyBusy);
}

/** Digests sent per scheduled run at most; the rest wait for the next run. */
const FLUSH_LIMIT = 200;
const FLUSH_MARGIN_MS = 15_000;

/** The event an EventBridge schedule rule sends (its default input). */
export function isScheduledEvent(event: unknown): event is ScheduledEvent {
  const e = event as Partial<ScheduledEvent> | undefined;
  return e?.source === 'aws.events' && e['detail-type'] === 'Scheduled Event';
}

export const handler = createProcessorHandler(processorClients());
