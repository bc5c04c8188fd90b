/**
 * The detection stack in the security (delegated-admin) account: trail-object events arrive on a
 * custom bus, the analyzer runs the Sigma rules over each log object, the processor turns matches
 * into alerts and sends them. One construct per concern; this file wires them with least privilege.
 */
import * as path from 'node:path';
import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AlertStateTable } from './constructs/alert-state-table';
import { DetectionFunction } from './constructs/detection-function';
import { EncryptionKey } from './constructs/encryption-key';
import { NotificationChannels } from './constructs/notification-channels';
import { OperationsAlarms } from './constructs/operations-alarms';
import { QueueWithDlq } from './constructs/queue-with-dlq';
import { RetroHunt } from './constructs/retro-hunt';
import { TrailEventBus } from './constructs/trail-event-bus';
import { REGEX_CHECKS_FILE } from '../lambdas/pipeline/regex-checks';
import {
  requireAccountId,
  requireArn,
  requireBucketName,
  requireKeyPrefix,
  requireOrganizationId,
  requireRegion,
  trailLogsKeyPrefix,
} from './constructs/validate-props';

export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const DEFAULT_ANALYZER_ENTRY = path.join(PROJECT_ROOT, 'lambdas/analyzer/handler.ts');
export const DEFAULT_PROCESSOR_ENTRY = path.join(PROJECT_ROOT, 'lambdas/processor/handler.ts');
export const DEFAULT_HUNT_WORKER_ENTRY = path.join(PROJECT_ROOT, 'lambdas/hunt/handler.ts');
export const ANALYZER_ROLE_NAME = 'trailalerts-analyzer';
export const PROCESSOR_ROLE_NAME = 'trailalerts-processor';
export const EVENT_BUS_NAME = 'trailalerts-trail-objects';

export interface TrailLocation {
  bucket: string;
  /** Region of the trail bucket (S3 emits its events there; kms:ViaService names it). */
  bucketRegion: string;
  /** Key prefix before `AWSLogs/`, without slashes at either end ('' or absent for none). */
  prefix?: string;
  /** KMS key that encrypts the trail's log objects (SSE-KMS), if any. */
  kmsKeyArn?: string;
}

/** How the functions find account names and OUs at run time. */
export type AccountDirectoryAccess = { source: 'static' } | { source: 'organizations'; roleArn?: string };

export interface SecurityAccountStackProps extends StackProps {
  organizationId: string;
  logArchiveAccountId: string;
  trail: TrailLocation;
  /** accounts.yaml, shipped inside both functions. */
  configFile: string;
  /** rules/ directory, validated at synth and shipped inside the analyzer. */
  rulesDir: string;
  /**
   * The regular expressions synth found safe (lambdas/pipeline/regex-checks.ts, written by
   * bin/app.ts), shipped beside the rules so that cold starts do not check them again.
   */
  regexChecksFile?: string;
  analyzerEntry?: string;
  processorEntry?: string;
  analyzerReservedConcurrency?: number;
  /**
   * The retro-hunt state machine, hunt worker and hunt bucket (stacks/constructs/retro-hunt.ts);
   * absent: not deployed. propsFromConfig always turns it on.
   */
  retroHunt?: {
    /** Default lambdas/hunt/handler.ts. */
    workerEntry?: string;
    maxConcurrency?: number;
    prefixesPerBatch?: number;
    toleratedFailurePercentage?: number;
  };
  accountDirectory?: AccountDirectoryAccess;
  emailIdentities?: string[];
  topicArns?: string[];
  webhookSecrets?: Record<string, string>;
  ipContextSecret?: string;
  alarmEmail?: string;
  /** Default 60. */
  trailSilenceMinutes?: number;
  /** Default one month. */
  logRetention?: logs.RetentionDays;
}

export class SecurityAccountStack extends Stack {
  readonly analyzer: DetectionFunction;
  readonly processor: DetectionFunction;
  readonly eventBus: TrailEventBus;
  readonly alarms: OperationsAlarms;
  /** Present when props.retroHunt was given. */
  readonly retroHunt?: RetroHunt;

  constructor(scope: Construct, id: string, props: SecurityAccountStackProps) {
    super(scope, id, props);
    const owner = 'SecurityAccountStack';
    const orgId = requireOrganizationId(owner, 'organizationId', props.organizationId);
    const logArchive = requireAccountId(owner, 'logArchiveAccountId', props.logArchiveAccountId);
    const bucket = requireBucketName(owner, 'trail.bucket', props.trail.bucket);
    const bucketRegion = requireRegion(owner, 'trail.bucketRegion', props.trail.bucketRegion);
    const prefix = requireKeyPrefix(owner, 'trail.prefix', props.trail.prefix);
    const trailKeyArn =
      props.trail.kmsKeyArn === undefined
        ? undefined
        : requireArn(owner, 'trail.kmsKeyArn', props.trail.kmsKeyArn, 'kms');
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    const key = new EncryptionKey(this, 'EncryptionKey', { aliasName: 'trailalerts' }).key;
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
    this.eventBus = new TrailEventBus(this, 'TrailEvents', {
      eventBusName: EVENT_BUS_NAME,
      organizationId: orgId,
      logArchiveAccountId: logArchive,
      trailBucket: bucket,
      trailPrefix: prefix,
      objectsQueue: objects.queue,
    });
    const state = new AlertStateTable(this, 'AlertState', { encryptionKey: key });
    const channels = new NotificationChannels(this, 'Channels', {
      configurationSetName: 'trailalerts',
      emailIdentities: props.emailIdentities ?? [],
      topicArns: props.topicArns ?? [],
      webhookSecrets: props.webhookSecrets ?? {},
      ipContextSecret: props.ipContextSecret,
    });

    const shared = {
      TRAILALERTS_CONFIG: '/var/task/accounts.yaml',
      ...(props.regexChecksFile ? { TRAILALERTS_REGEX_CHECKS: `/var/task/${REGEX_CHECKS_FILE}` } : {}),
      POWERTOOLS_METRICS_NAMESPACE: 'TrailAlerts',
      // recheck's worker backend is not in the bundle; use its in-process backend directly.
      RECHECK_SYNC_BACKEND: 'pure',
    };
    this.analyzer = new DetectionFunction(this, 'Analyzer', {
      entry: props.analyzerEntry ?? DEFAULT_ANALYZER_ENTRY,
      roleName: ANALYZER_ROLE_NAME,
      description: 'TrailAlerts analyzer: Sigma rules over organization CloudTrail objects',
      timeout: Duration.minutes(2),
      memorySize: 1024,
      encryptionKey: key,
      logRetention,
      reservedConcurrency: props.analyzerReservedConcurrency,
      environment: {
        ...shared,
        POWERTOOLS_SERVICE_NAME: 'trailalerts-analyzer',
        TRAILALERTS_RULES_DIR: '/var/task/rules',
        MATCHES_QUEUE_URL: matches.queue.queueUrl,
        TRAIL_BUCKET: bucket,
      },
      copies: [
        { from: props.rulesDir, to: 'rules' },
        { from: props.configFile, to: 'accounts.yaml' },
        ...regexChecksCopy(props),
      ],
    });
    this.processor = new DetectionFunction(this, 'Processor', {
      entry: props.processorEntry ?? DEFAULT_PROCESSOR_ENTRY,
      roleName: PROCESSOR_ROLE_NAME,
      description: 'TrailAlerts processor: exceptions, correlation, enrichment, routing, notification',
      timeout: Duration.minutes(1),
      memorySize: 512,
      encryptionKey: key,
      logRetention,
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
        ...regexChecksCopy(props),
      ],
    });

    // Analyzer: objects queue in, matches queue out, read-only on the trail prefix.
    this.analyzer.fn.addEventSource(
      new SqsEventSource(objects.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
      }),
    );
    matches.queue.grantSendMessages(this.analyzer.fn);
    this.analyzer.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTrailLogObjects',
        actions: ['s3:GetObject'],
        resources: [`arn:${this.partition}:s3:::${bucket}/${trailLogsKeyPrefix(prefix)}*`],
      }),
    );
    if (trailKeyArn !== undefined) {
      this.analyzer.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptTrailObjectsViaS3',
          actions: ['kms:Decrypt'],
          resources: [trailKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${bucketRegion}.amazonaws.com` } },
        }),
      );
    }

    // Processor: matches queue in, its table, the notification channels.
    this.processor.fn.addEventSource(
      new SqsEventSource(matches.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(2),
        reportBatchItemFailures: true,
      }),
    );
    state.table.grantReadWriteData(this.processor.fn);
    channels.grantSend(this.processor.fn);

    for (const fn of [this.analyzer, this.processor]) {
      if (grantAccountDirectory(fn.role, props.accountDirectory ?? { source: 'static' })) {
        Validations.of(fn.role).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'AWS Organizations List*/Describe* calls of the account directory support no resource-level scoping; read-only actions are named one by one',
        });
      }
    }

    if (props.retroHunt !== undefined) {
      this.retroHunt = this.addRetroHunt(props, {
        key,
        logRetention,
        matches: matches.queue,
        bucket,
        bucketRegion,
        logsRoot: `${trailLogsKeyPrefix(prefix)}${orgId}/`,
        trailKeyArn,
        environment: shared,
      });
    }

    this.acknowledgeNagFindings(`arn:<AWS::Partition>:s3:::${bucket}/${trailLogsKeyPrefix(prefix)}*`);

    this.alarms = new OperationsAlarms(this, 'Operations', {
      encryptionKey: key,
      alarmEmail: props.alarmEmail,
      deadLetterQueues: { ObjectsDlq: objects.deadLetterQueue, MatchesDlq: matches.deadLetterQueue },
      workQueues: { ObjectsQueue: objects.queue, MatchesQueue: matches.queue },
      functions: { Analyzer: this.analyzer.fn, Processor: this.processor.fn },
      trailSilenceMinutes: props.trailSilenceMinutes ?? 60,
      objectsProcessedDimensions: { service: 'trailalerts-analyzer' },
    });
  }

  /** The retro-hunt resources, with the same account-directory access as the analyzer. */
  private addRetroHunt(
    props: SecurityAccountStackProps,
    ctx: {
      key: kms.IKey;
      logRetention: logs.RetentionDays;
      matches: sqs.IQueue;
      bucket: string;
      bucketRegion: string;
      logsRoot: string;
      trailKeyArn?: string;
      environment: Record<string, string>;
    },
  ): RetroHunt {
    const { workerEntry, ...tuning } = props.retroHunt ?? {};
    const hunt = new RetroHunt(this, 'RetroHunt', {
      ...tuning,
      workerEntry: workerEntry ?? DEFAULT_HUNT_WORKER_ENTRY,
      encryptionKey: ctx.key,
      logRetention: ctx.logRetention,
      matchesQueue: ctx.matches,
      trailBucket: ctx.bucket,
      trailLogsRoot: ctx.logsRoot,
      trailBucketRegion: ctx.bucketRegion,
      trailKmsKeyArn: ctx.trailKeyArn,
      environment: ctx.environment,
      copies: [
        { from: props.rulesDir, to: 'rules' },
        { from: props.configFile, to: 'accounts.yaml' },
        ...regexChecksCopy(props),
      ],
    });
    if (grantAccountDirectory(hunt.worker.role, props.accountDirectory ?? { source: 'static' })) {
      Validations.of(hunt.worker.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'AWS Organizations List*/Describe* calls of the account directory support no resource-level scoping; read-only actions are named one by one',
      });
    }
    new CfnOutput(this, 'RetroHuntStateMachineArn', {
      value: hunt.stateMachine.stateMachineArn,
      description: 'trailalerts hunt --state-machine <this ARN>',
    });
    return hunt;
  }

  /** cdk-nag AwsSolutions findings that are deliberate, each with its reason. */
  private acknowledgeNagFindings(trailObjectsResource: string): void {
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
    Validations.of(this.analyzer.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${trailObjectsResource}]`,
      reason:
        'The analyzer reads any CloudTrail log object of the organization trail: s3:GetObject on the trail prefix only',
    });
  }
}

/**
 * Read access to AWS Organizations for account names and OU paths (none in static mode).
 * Returns true when it granted direct Organizations calls (resource `*`).
 */
/** The regex-checks file among a function's copies, when synth wrote one. */
function regexChecksCopy(props: SecurityAccountStackProps): { from: string; to: string }[] {
  return props.regexChecksFile ? [{ from: props.regexChecksFile, to: REGEX_CHECKS_FILE }] : [];
}

function grantAccountDirectory(role: iam.Role, access: AccountDirectoryAccess): boolean {
  if (access.source === 'static') return false;
  if (access.roleArn !== undefined) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeOrganizationsReadRole',
        actions: ['sts:AssumeRole'],
        resources: [access.roleArn],
      }),
    );
    return false;
  }
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadOrganizationsDirectory',
      // Organizations list calls support no resource-level scoping.
      actions: [
        'organizations:DescribeOrganization',
        'organizations:DescribeAccount',
        'organizations:DescribeOrganizationalUnit',
        'organizations:ListAccounts',
        'organizations:ListAccountsForParent',
        'organizations:ListOrganizationalUnitsForParent',
        'organizations:ListParents',
        'organizations:ListRoots',
        'organizations:ListTagsForResource',
      ],
      resources: ['*'],
    }),
  );
  return true;
}
