/**
 * The detection stack in the security (delegated-admin) account: new trail objects reach the
 * objects queue (forwarded EventBridge events, the trail's SNS notifications, or the poller), the
 * analyzer runs the Sigma rules over each log object, read through the reader role in the
 * log-archive account, and the processor turns matches into alerts and sends them. One construct
 * per concern; this file wires them with least privilege.
 */
import * as path from 'node:path';
import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AlertStateTable } from './constructs/alert-state-table';
import { DetectionDashboard } from './constructs/detection-dashboard';
import { GuardDutyFindings } from './constructs/guardduty-findings';
import { DetectionFunction } from './constructs/detection-function';
import { EncryptionKey } from './constructs/encryption-key';
import { forwardingAlarmName, type ForwardedAlarmSource } from './constructs/forwarded-alarms';
import { NotificationChannels } from './constructs/notification-channels';
import { OperationsAlarms } from './constructs/operations-alarms';
import { QueueWithDlq } from './constructs/queue-with-dlq';
import { RetroHunt } from './constructs/retro-hunt';
import { TrailEventBus } from './constructs/trail-event-bus';
import { TrailNotificationSubscription } from './constructs/trail-notification-subscription';
import { grantAccountDirectory, grantAssumeReader, type AccountDirectoryAccess } from './function-grants';
import { QUIET_FAILURES } from './quiet-failures';
import { resourceNames, type ResourceNames } from './resource-names';
import {
  requireAccountId,
  requireArn,
  requireBucketName,
  requireIntInRange,
  requireKeyPrefix,
  requireOrganizationId,
  requireRegion,
  trailLogsKeyPrefix,
} from './constructs/validate-props';

export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const DEFAULT_ANALYZER_ENTRY = path.join(PROJECT_ROOT, 'src/analyzer/handler.ts');
export const DEFAULT_PROCESSOR_ENTRY = path.join(PROJECT_ROOT, 'src/processor/handler.ts');
export const DEFAULT_HUNT_WORKER_ENTRY = path.join(PROJECT_ROOT, 'src/hunt/handler.ts');
export const DEFAULT_POLLER_ENTRY = path.join(PROJECT_ROOT, 'src/poller/handler.ts');
export const ANALYZER_ROLE_NAME = resourceNames().analyzerRole;
export const PROCESSOR_ROLE_NAME = resourceNames().processorRole;
export const POLLER_ROLE_NAME = resourceNames().pollerRole;
export const EVENT_BUS_NAME = resourceNames().eventBus;

export interface TrailLocation {
  bucket: string;
  /** Region of the trail bucket (S3 emits its events there; kms:ViaService names it). */
  bucketRegion: string;
  /** Key prefix before `AWSLogs/`, without slashes at either end ('' or absent for none). */
  prefix?: string;
  /** KMS key that encrypts the trail's log objects (SSE-KMS), if any. */
  kmsKeyArn?: string;
}

/**
 * How new trail objects reach the objects queue: EventBridge events forwarded from the
 * log-archive account to this stack's bus, the trail's SNS log-file notifications (a topic in
 * this account), or a scheduled poller that lists new keys with read access only.
 */
export type NewObjectsConfig =
  | { source: 'eventBridge' }
  | { source: 'sns'; topicArn: string }
  | { source: 'poll'; intervalMinutes?: number; regions?: string[]; pollerEntry?: string };

export type { AccountDirectoryAccess } from './function-grants';

export interface SecurityAccountStackProps extends StackProps {
  /** Prefix of every named resource (default `trailalerts`, stacks/resource-names.ts). */
  deploymentName?: string;
  organizationId: string;
  logArchiveAccountId: string;
  trail: TrailLocation;
  /** The reader role in the log-archive account (MemberGrantsStack) the functions assume to read the trail. */
  trailReaderRoleArn: string;
  /** Default: forwarded EventBridge events. */
  newObjects?: NewObjectsConfig;
  /** accounts.yaml, shipped inside both functions. */
  configFile: string;
  /** rules/ directory, validated at synth and shipped inside the analyzer. */
  rulesDir: string;
  analyzerEntry?: string;
  processorEntry?: string;
  /** Default 10; the objects queue's event source polls with at most this many. */
  analyzerReservedConcurrency?: number;
  /** Default 5; the matches queue's event source polls with at most this many. */
  processorReservedConcurrency?: number;
  /**
   * The retro-hunt state machine, hunt worker and hunt bucket (stacks/constructs/retro-hunt.ts);
   * absent: not deployed. propsFromConfig always turns it on.
   */
  retroHunt?: {
    /** Default src/hunt/handler.ts. */
    workerEntry?: string;
    reservedConcurrency?: number;
    maxConcurrency?: number;
    getsInFlight?: number;
    prefixesPerBatch?: number;
    toleratedFailurePercentage?: number;
    timeoutHours?: number;
  };
  accountDirectory?: AccountDirectoryAccess;
  emailIdentities?: string[];
  topicArns?: string[];
  webhookSecrets?: Record<string, string>;
  /** PagerDuty routing key secrets, keyed by destination name. */
  routingKeySecrets?: Record<string, string>;
  /** A securityhub destination is configured: the processor may import findings (home region). */
  securityHub?: boolean;
  ipContextSecret?: string;
  alarmEmail?: string;
  /** Default 60. */
  trailSilenceMinutes?: number;
  /** Default one month. */
  logRetention?: logs.RetentionDays;
  /**
   * GuardDuty findings of every member account through the processor (default true): this
   * account must be GuardDuty's delegated administrator (stacks/constructs/guardduty-findings.ts).
   */
  guardDutyFindings?: boolean;
  /**
   * The regions other than this one whose GuardDuty findings are forwarded here
   * (`deployment.guardDutyRegions`, stacks/guardduty-forwarding-stack.ts): the default bus takes
   * their forwarding rules' dead-letter alarms. None (default): no rule for them.
   */
  guardDutyForwardingRegions?: readonly string[];
}

export class SecurityAccountStack extends Stack {
  readonly analyzer: DetectionFunction;
  readonly processor: DetectionFunction;
  /** Present when new objects arrive as forwarded EventBridge events. */
  readonly eventBus?: TrailEventBus;
  /** Present when new objects arrive as the trail's SNS notifications. */
  readonly trailNotifications?: TrailNotificationSubscription;
  /** Present when new objects are found by listing. */
  readonly poller?: DetectionFunction;
  readonly alarms: OperationsAlarms;
  readonly names: ResourceNames;
  /** Present when props.retroHunt was given. */
  readonly retroHunt?: RetroHunt;
  /** Present unless props.guardDutyFindings is false. */
  readonly guardDuty?: GuardDutyFindings;
  readonly dashboard: DetectionDashboard;

  constructor(scope: Construct, id: string, props: SecurityAccountStackProps) {
    super(scope, id, props);
    const owner = 'SecurityAccountStack';
    const orgId = requireOrganizationId(owner, 'organizationId', props.organizationId);
    const logArchive = requireAccountId(owner, 'logArchiveAccountId', props.logArchiveAccountId);
    const bucket = requireBucketName(owner, 'trail.bucket', props.trail.bucket);
    const bucketRegion = requireRegion(owner, 'trail.bucketRegion', props.trail.bucketRegion);
    const prefix = requireKeyPrefix(owner, 'trail.prefix', props.trail.prefix);
    const readerRoleArn = requireArn(owner, 'trailReaderRoleArn', props.trailReaderRoleArn, 'iam');
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const analyzerReserved = requireIntInRange(
      owner,
      'analyzerReservedConcurrency',
      props.analyzerReservedConcurrency ?? 10,
      2,
      1000,
    );
    // One execution is kept for the scheduled digest flush; the SQS source takes the rest.
    const processorReserved = requireIntInRange(
      owner,
      'processorReservedConcurrency',
      props.processorReservedConcurrency ?? 5,
      3,
      1000,
    );
    const newObjects = props.newObjects ?? { source: 'eventBridge' };
    const names = resourceNames(props.deploymentName);
    this.names = names;
    const logsRoot = `${trailLogsKeyPrefix(prefix)}${orgId}/`;

    const key = new EncryptionKey(this, 'EncryptionKey', { aliasName: names.keyAlias }).key;
    const objects = new QueueWithDlq(this, 'ObjectsQueue', {
      encryptionKey: key,
      visibilityTimeout: Duration.minutes(15),
      maxReceiveCount: 5,
    });
    const matches = new QueueWithDlq(this, 'MatchesQueue', {
      encryptionKey: key,
      visibilityTimeout: Duration.minutes(6),
      maxReceiveCount: 5,
    });
    const state = new AlertStateTable(this, 'AlertState', { encryptionKey: key });
    // Scheduled invocations EventBridge could not deliver (the digest flush, the poller), and
    // forwarded alarm notifications it could not publish to the operations topic.
    const scheduleDeadLetters = new sqs.Queue(this, 'ScheduleDeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(scheduleDeadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the schedule rules dead-letter queue itself',
    });
    const channels = new NotificationChannels(this, 'Channels', {
      emailIdentities: props.emailIdentities ?? [],
      topicArns: props.topicArns ?? [],
      webhookSecrets: props.webhookSecrets ?? {},
      routingKeySecrets: props.routingKeySecrets,
      securityHub: props.securityHub,
      ipContextSecret: props.ipContextSecret,
    });

    const shared = {
      TRAILALERTS_CONFIG: '/var/task/accounts.yaml',
      POWERTOOLS_METRICS_NAMESPACE: 'TrailAlerts',
    };
    this.analyzer = new DetectionFunction(this, 'Analyzer', {
      entry: props.analyzerEntry ?? DEFAULT_ANALYZER_ENTRY,
      roleName: names.analyzerRole,
      description: 'TrailAlerts analyzer: Sigma rules over organization CloudTrail objects',
      timeout: Duration.minutes(2),
      memorySize: 1024,
      encryptionKey: key,
      logRetention,
      reservedConcurrency: analyzerReserved,
      environment: {
        ...shared,
        POWERTOOLS_SERVICE_NAME: 'trailalerts-analyzer',
        TRAILALERTS_RULES_DIR: '/var/task/rules',
        MATCHES_QUEUE_URL: matches.queue.queueUrl,
        TRAIL_BUCKET: bucket,
        TRAIL_BUCKET_REGION: bucketRegion,
        TRAIL_READER_ROLE_ARN: readerRoleArn,
      },
      copies: [
        { from: props.rulesDir, to: 'rules' },
        { from: props.configFile, to: 'accounts.yaml' },
      ],
    });
    this.processor = new DetectionFunction(this, 'Processor', {
      entry: props.processorEntry ?? DEFAULT_PROCESSOR_ENTRY,
      roleName: names.processorRole,
      description: 'TrailAlerts processor: exceptions, correlation, enrichment, routing, notification',
      timeout: Duration.minutes(1),
      memorySize: 512,
      encryptionKey: key,
      logRetention,
      reservedConcurrency: processorReserved,
      environment: {
        ...shared,
        POWERTOOLS_SERVICE_NAME: 'trailalerts-processor',
        ALERT_STATE_TABLE: state.table.tableName,
        SES_CONFIGURATION_SET: channels.configurationSet.ref,
        ...(props.ipContextSecret ? { IP_CONTEXT_SECRET_NAME: props.ipContextSecret } : {}),
      },
      copies: [
        { from: props.rulesDir, to: 'rules' },
        { from: props.configFile, to: 'accounts.yaml' },
      ],
    });

    // Analyzer: objects queue in, matches queue out, trail objects read through the reader role.
    // The event source never polls beyond the reservation: throttled receives would count
    // towards maxReceiveCount and push unanalyzed objects to the DLQ.
    this.analyzer.fn.addEventSource(
      new SqsEventSource(objects.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
        maxConcurrency: analyzerReserved,
      }),
    );
    matches.queue.grantSendMessages(this.analyzer.fn);
    grantAssumeReader(this.analyzer.role, readerRoleArn);

    // Processor: matches queue in, its table, the notification channels.
    this.processor.fn.addEventSource(
      new SqsEventSource(matches.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(2),
        reportBatchItemFailures: true,
        maxConcurrency: processorReserved - 1,
      }),
    );
    state.table.grantReadWriteData(this.processor.fn);
    // Digests whose window closed go out even when no later alert of their key arrives.
    new events.Rule(this, 'DigestFlushSchedule', {
      description: 'TrailAlerts: send the alert digests whose window closed',
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [
        new targets.LambdaFunction(this.processor.fn, {
          retryAttempts: 0,
          deadLetterQueue: scheduleDeadLetters,
        }),
      ],
    });
    channels.grantSend(this.processor.fn);
    if (props.guardDutyFindings !== false)
      this.guardDuty = new GuardDutyFindings(this, 'GuardDuty', {
        queue: matches.queue,
        deadLetterQueue: matches.deadLetterQueue,
      });

    for (const fn of [this.analyzer, this.processor]) {
      grantAccountDirectory(fn.role, props.accountDirectory ?? { source: 'static' }, orgId);
    }

    switch (newObjects.source) {
      case 'eventBridge':
        this.eventBus = new TrailEventBus(this, 'TrailEvents', {
          eventBusName: names.eventBus,
          organizationId: orgId,
          logArchiveAccountId: logArchive,
          trailBucket: bucket,
          trailPrefix: prefix,
          objectsQueue: objects.queue,
          deadLetterQueue: objects.deadLetterQueue,
        });
        break;
      case 'sns':
        this.trailNotifications = new TrailNotificationSubscription(this, 'TrailNotifications', {
          topicArn: newObjects.topicArn,
          trailBucket: bucket,
          trailLogsPrefix: trailLogsKeyPrefix(prefix),
          objectsQueue: objects.queue,
          encryptionKey: key,
        });
        break;
      case 'poll':
        this.poller = this.addPoller(newObjects, {
          key,
          logRetention,
          objects: objects.queue,
          bucket,
          logsRoot,
          bucketRegion,
          readerRoleArn,
          environment: shared,
          deadLetters: scheduleDeadLetters,
        });
        break;
    }

    if (props.retroHunt !== undefined) {
      this.retroHunt = this.addRetroHunt(props, {
        key,
        logRetention,
        matches: matches.queue,
        bucket,
        logsRoot,
        readerRoleArn,
        environment: { ...shared, TRAIL_BUCKET_REGION: bucketRegion },
      });
    }

    this.acknowledgeNagFindings();

    this.alarms = new OperationsAlarms(this, 'Operations', {
      encryptionKey: key,
      alarmEmail: props.alarmEmail,
      deadLetterQueues: {
        ObjectsDlq: objects.deadLetterQueue,
        MatchesDlq: matches.deadLetterQueue,
        ScheduleDlq: scheduleDeadLetters,
      },
      workQueues: { ObjectsQueue: objects.queue, MatchesQueue: matches.queue },
      functions: {
        Analyzer: this.analyzer.fn,
        Processor: this.processor.fn,
        ...(this.poller ? { Poller: this.poller.fn } : {}),
      },
      trailSilenceMinutes: props.trailSilenceMinutes ?? 60,
      objectsProcessedDimensions: { service: 'trailalerts-analyzer' },
      quietFailures: QUIET_FAILURES,
      forwardedAlarms: {
        sources: this.forwardedAlarmSources(logArchive, props.guardDutyForwardingRegions?.length ?? 0),
        deadLetterQueue: scheduleDeadLetters,
      },
      forwardingHeartbeats: {
        regions: props.guardDutyForwardingRegions ?? [],
        forwardingRuleName: this.names.guardDutyForwardRule,
        account: this.account,
      },
    });
    this.dashboard = new DetectionDashboard(this, 'Dashboard', {
      dashboardName: `${names.deployment}-detection`,
      processorLogGroup: this.processor.logGroup,
      deadLetterQueues: {
        'Objects DLQ': objects.deadLetterQueue,
        'Matches DLQ': matches.deadLetterQueue,
        'Schedule DLQ': scheduleDeadLetters,
      },
    });
    new CfnOutput(this, 'TrailReaderRoleArn', {
      value: readerRoleArn,
      description:
        'The log-archive role the functions assume to read the trail (created by the member grants)',
    });
  }

  /**
   * The forwarding rules' dead-letter alarms: GuardDuty forwarding stacks (this account, other
   * regions) send theirs to the default bus; the log-archive forwarding rule to the trail bus.
   */
  private forwardedAlarmSources(logArchive: string, guardDutyRegions: number): ForwardedAlarmSource[] {
    const sources: ForwardedAlarmSource[] = [];
    if (guardDutyRegions > 0)
      sources.push({
        id: 'GuardDutyForwardingAlarms',
        description: 'TrailAlerts: dead-letter alarms of the GuardDuty forwarding rules of other regions',
        account: this.account,
        alarmNames: [forwardingAlarmName(this.names.guardDutyForwardRule)],
      });
    if (this.eventBus !== undefined)
      sources.push({
        id: 'TrailForwardingAlarms',
        description: 'TrailAlerts: dead-letter alarm of the log-archive rule forwarding trail objects',
        eventBus: this.eventBus.bus,
        account: logArchive,
        alarmNames: [forwardingAlarmName(this.names.forwardRule)],
      });
    return sources;
  }

  /** The scheduled poller: lists new trail keys with read access only and queues them. */
  private addPoller(
    config: Extract<NewObjectsConfig, { source: 'poll' }>,
    ctx: {
      key: kms.IKey;
      logRetention: logs.RetentionDays;
      objects: sqs.IQueue;
      bucket: string;
      logsRoot: string;
      bucketRegion: string;
      readerRoleArn: string;
      environment: Record<string, string>;
      deadLetters: sqs.IQueue;
    },
  ): DetectionFunction {
    const owner = 'SecurityAccountStack';
    const interval = requireIntInRange(
      owner,
      'newObjects.intervalMinutes',
      config.intervalMinutes ?? 5,
      1,
      60,
    );
    (config.regions ?? []).forEach((r, i) => requireRegion(owner, `newObjects.regions[${i}]`, r));
    const seen = new AlertStateTable(this, 'PollState', { encryptionKey: ctx.key });
    const lookback = Math.max(30, 3 * interval);
    const poller = new DetectionFunction(this, 'Poller', {
      entry: config.pollerEntry ?? DEFAULT_POLLER_ENTRY,
      roleName: this.names.pollerRole,
      description: 'TrailAlerts poller: lists new trail log objects by time prefix and queues them',
      // One run at a time; a run stops listing before its timeout and the next run's lookback covers the rest.
      timeout: Duration.minutes(Math.min(interval, 5)),
      memorySize: 256,
      encryptionKey: ctx.key,
      logRetention: ctx.logRetention,
      reservedConcurrency: 1,
      environment: {
        POWERTOOLS_METRICS_NAMESPACE: ctx.environment.POWERTOOLS_METRICS_NAMESPACE,
        POWERTOOLS_SERVICE_NAME: 'trailalerts-poller',
        TRAIL_BUCKET: ctx.bucket,
        TRAIL_LOGS_ROOT: ctx.logsRoot,
        TRAIL_REGIONS: (config.regions ?? []).join(','),
        OBJECTS_QUEUE_URL: ctx.objects.queueUrl,
        POLL_STATE_TABLE: seen.table.tableName,
        POLL_LOOKBACK_MINUTES: String(lookback),
        TRAIL_READER_ROLE_ARN: ctx.readerRoleArn,
        TRAIL_BUCKET_REGION: ctx.bucketRegion,
      },
    });
    poller.fn.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.minutes(Math.max(interval, 1)),
    });
    ctx.objects.grantSendMessages(poller.fn);
    seen.table.grantReadWriteData(poller.fn);
    grantAssumeReader(poller.role, ctx.readerRoleArn);
    new events.Rule(this, 'PollSchedule', {
      description: 'TrailAlerts: list new trail log objects',
      schedule: events.Schedule.rate(Duration.minutes(interval)),
      targets: [
        new targets.LambdaFunction(poller.fn, { retryAttempts: 0, deadLetterQueue: ctx.deadLetters }),
      ],
    });
    Validations.of(poller.role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'CDK grants on the KMS-encrypted queue and table add GenerateDataKey* scoped to the stack key only',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        reason: 'CDK grants on the KMS-encrypted queue and table add ReEncrypt* scoped to the stack key only',
      },
    );
    Validations.of(poller.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime the project targets and tests (design decision); upgrades are deliberate',
    });
    return poller;
  }

  /** The retro-hunt resources, with the same account-directory access as the analyzer. */
  private addRetroHunt(
    props: SecurityAccountStackProps,
    ctx: {
      key: kms.IKey;
      logRetention: logs.RetentionDays;
      matches: sqs.IQueue;
      bucket: string;
      logsRoot: string;
      readerRoleArn: string;
      environment: Record<string, string>;
    },
  ): RetroHunt {
    const { workerEntry, ...tuning } = props.retroHunt ?? {};
    const hunt = new RetroHunt(this, 'RetroHunt', {
      ...tuning,
      workerEntry: workerEntry ?? DEFAULT_HUNT_WORKER_ENTRY,
      workerRoleName: this.names.huntWorkerRole,
      stateMachineName: this.names.stateMachine,
      bucketName: this.names.huntBucket(this.account, this.region),
      encryptionKey: ctx.key,
      logRetention: ctx.logRetention,
      matchesQueue: ctx.matches,
      trailBucket: ctx.bucket,
      trailLogsRoot: ctx.logsRoot,
      trailReaderRoleArn: ctx.readerRoleArn,
      environment: ctx.environment,
      copies: [
        { from: props.rulesDir, to: 'rules' },
        { from: props.configFile, to: 'accounts.yaml' },
      ],
    });
    grantAccountDirectory(
      hunt.worker.role,
      props.accountDirectory ?? { source: 'static' },
      requireOrganizationId('SecurityAccountStack', 'organizationId', props.organizationId),
    );
    new CfnOutput(this, 'RetroHuntStateMachineArn', {
      value: hunt.stateMachine.stateMachineArn,
      description: 'trailalerts hunt --state-machine <this ARN>',
    });
    return hunt;
  }

  /** cdk-nag AwsSolutions findings that are deliberate, each with its reason. */
  private acknowledgeNagFindings(): void {
    for (const fn of [this.analyzer, this.processor]) {
      Validations.of(fn.role).acknowledge(
        {
          id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
          reason:
            'CDK grants on the KMS-encrypted queues/table add GenerateDataKey* scoped to the stack key only',
        },
        {
          id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
          reason: 'CDK grants on the KMS-encrypted queues/table add ReEncrypt* scoped to the stack key only',
        },
      );
      Validations.of(fn.fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'Node.js 22 is the runtime the project targets and tests (design decision); upgrades are deliberate',
      });
    }
  }
}
