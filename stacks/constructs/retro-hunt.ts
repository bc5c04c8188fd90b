/**
 * Retro-hunt: a Step Functions state machine whose Distributed Map runs the hunt worker over day
 * prefixes of the organization trail. Design choices:
 * - Input `{huntId, since, until, mode, rules, manifestKey | prefixes}` (src/hunt/input.ts).
 *   A Choice sends manifest hunts to a map with an S3JsonItemReader over the hunt bucket and
 *   inline hunts to an identical map over `$.prefixes`.
 * - ItemSelector makes each prefix `{ prefix }`; ItemBatcher groups prefixes per worker call and
 *   passes what they share (huntId, since, until, mode, rules) once per batch as its BatchInput
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html), so the
 *   rules list is not copied into every item; ToleratedFailurePercentage lets a few bad batches
 *   not fail the whole hunt.
 * - Child results are always written to the hunt bucket (`results/`) by a ResultWriter, as JSON
 *   Lines with the COMPACT transformation (succeeded batches: their output only; failed ones keep
 *   their input and error), which `hunt-results` reads line by line
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html): in
 *   report mode they are the report, in alert mode (matches also go to the matches queue) the tally.
 * - Each worker call is bounded (TimeoutSeconds, so a lost invocation ends in States.Timeout) and
 *   retried on Lambda's service errors and throttling; the worker's reserved concurrency caps the
 *   map, so a hunt never takes the concurrency live detection runs on. The execution may run for
 *   days (`timeoutHours`, default a week; standard workflows allow a year).
 * - The hunt bucket: KMS (stack key), SSL only, no public access, objects expire.
 * - Least privilege: the worker reads the trail logs prefix only and sends to the matches queue;
 *   the state machine invokes the worker and reads/writes the hunt bucket only.
 */
import { CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { DetectionFunction, type BundledCopy } from './detection-function';
import { requireIntInRange } from './validate-props';
import { WORKER_MEMORY_MB, HUNT_RESULTS_PREFIX } from '../../src/hunt';
import { resourceNames } from '../resource-names';

export const HUNT_WORKER_ROLE_NAME = resourceNames().huntWorkerRole;
export const HUNT_STATE_MACHINE_NAME = resourceNames().stateMachine;

export interface RetroHuntProps {
  /** Worker entry file exporting `handler` (src/hunt/handler.ts). */
  workerEntry: string;
  encryptionKey: kms.IKey;
  logRetention: logs.RetentionDays;
  matchesQueue: sqs.IQueue;
  trailBucket: string;
  /** `[<prefix>/]AWSLogs/<org-id>/`: the worker lists and reads only below it. */
  trailLogsRoot: string;
  /** The reader role in the log-archive account the worker assumes to list and read the trail. */
  trailReaderRoleArn: string;
  /** Environment shared with the other functions (config paths, metrics namespace). */
  environment: Record<string, string>;
  copies: BundledCopy[];
  /** The worker's reserved concurrency (default 20): live detection keeps the rest of the account's. */
  reservedConcurrency?: number;
  /** Worker calls running at once; default and at most the reserved concurrency. */
  maxConcurrency?: number;
  /** Objects each worker fetches at once (HUNT_GETS_IN_FLIGHT); default 16, 1 to 64. */
  getsInFlight?: number;
  /** Day prefixes per worker call; default 10. */
  prefixesPerBatch?: number;
  /** Default 5. */
  toleratedFailurePercentage?: number;
  /** Days hunt manifests and results are kept; default 30. */
  expireDays?: number;
  /** Hours an execution may run before it times out; default 168 (a week), at most a year. */
  timeoutHours?: number;
  /** Names (default: those of the `trailalerts` deployment, stacks/resource-names.ts). */
  workerRoleName?: string;
  stateMachineName?: string;
  bucketName?: string;
}

export class RetroHunt extends Construct {
  readonly bucket: s3.Bucket;
  readonly worker: DetectionFunction;
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: RetroHuntProps) {
    super(scope, id);
    // ResultWriterV2 renders only under this feature flag; set it here, for this construct only.
    this.node.setContext(cxapi.STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2, true);
    const owner = `RetroHunt ${id}`;
    const stack = Stack.of(this);
    const reserved = requireIntInRange(
      owner,
      'reservedConcurrency',
      props.reservedConcurrency ?? 20,
      1,
      1000,
    );
    // More map iterations than reserved executions would only be throttled.
    const maxConcurrency = requireIntInRange(
      owner,
      'maxConcurrency',
      props.maxConcurrency ?? reserved,
      1,
      reserved,
    );
    const getsInFlight = requireIntInRange(owner, 'getsInFlight', props.getsInFlight ?? 16, 1, 64);
    const perBatch = requireIntInRange(owner, 'prefixesPerBatch', props.prefixesPerBatch ?? 10, 1, 100);
    const tolerated = requireIntInRange(
      owner,
      'toleratedFailurePercentage',
      props.toleratedFailurePercentage ?? 5,
      0,
      100,
    );
    const expireDays = requireIntInRange(owner, 'expireDays', props.expireDays ?? 30, 1, 3650);
    const timeoutHours = requireIntInRange(owner, 'timeoutHours', props.timeoutHours ?? 168, 1, 8760);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName ?? resourceNames().huntBucket(stack.account, stack.region),
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { expiration: Duration.days(expireDays), abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.worker = new DetectionFunction(this, 'Worker', {
      entry: props.workerEntry,
      roleName: props.workerRoleName ?? HUNT_WORKER_ROLE_NAME,
      description: 'TrailAlerts retro-hunt worker: Sigma rules over day prefixes of the organization trail',
      timeout: Duration.minutes(15),
      // One full vCPU: with GETs overlapping the worker is CPU-bound, and CPU-bound work costs the
      // same per object at any size (docs/performance.md, Retro-hunt).
      memorySize: WORKER_MEMORY_MB,
      encryptionKey: props.encryptionKey,
      logRetention: props.logRetention,
      reservedConcurrency: reserved,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: 'trailalerts-hunt',
        TRAIL_READER_ROLE_ARN: props.trailReaderRoleArn,
        TRAILALERTS_RULES_DIR: '/var/task/rules',
        MATCHES_QUEUE_URL: props.matchesQueue.queueUrl,
        TRAIL_BUCKET: props.trailBucket,
        TRAIL_LOGS_ROOT: props.trailLogsRoot,
        HUNT_GETS_IN_FLIGHT: String(getsInFlight),
      },
      copies: props.copies,
    });
    this.grantWorker(props);

    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      retention: props.logRetention,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const selectChoice = new sfn.Choice(this, 'ManifestOrInline')
      .when(
        sfn.Condition.isPresent('$.manifestKey'),
        this.huntMap('HuntManifest', perBatch, maxConcurrency, tolerated, true),
      )
      .otherwise(this.huntMap('HuntInline', perBatch, maxConcurrency, tolerated, false));

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName ?? HUNT_STATE_MACHINE_NAME,
      definitionBody: sfn.DefinitionBody.fromChainable(selectChoice),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.hours(timeoutHours),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    // Read the manifest, write the results: the hunt bucket's objects use the stack key.
    props.encryptionKey.grant(this.stateMachine, 'kms:Decrypt', 'kms:GenerateDataKey');
    this.acknowledgeNagFindings();
  }

  /** One Distributed Map over the prefixes, from the manifest or from the input. */
  private huntMap(
    id: string,
    perBatch: number,
    maxConcurrency: number,
    tolerated: number,
    fromManifest: boolean,
  ): sfn.DistributedMap {
    const map = new sfn.DistributedMap(this, id, {
      ...(fromManifest
        ? {
            itemReader: new sfn.S3JsonItemReader({
              bucket: this.bucket,
              key: sfn.JsonPath.stringAt('$.manifestKey'),
            }),
          }
        : { itemsPath: sfn.JsonPath.stringAt('$.prefixes') }),
      itemSelector: { prefix: sfn.JsonPath.stringAt('$$.Map.Item.Value') },
      itemBatcher: new sfn.ItemBatcher({
        maxItemsPerBatch: perBatch,
        // `.$` keys resolve against the map's input, as CDK's integration test of BatchInput
        // paths checked on AWS (https://github.com/aws/aws-cdk/pull/29152).
        batchInput: {
          'huntId.$': '$.huntId',
          'since.$': '$.since',
          'until.$': '$.until',
          'mode.$': '$.mode',
          'rules.$': '$.rules',
        },
      }),
      maxConcurrency,
      toleratedFailurePercentage: tolerated,
      resultWriterV2: new sfn.ResultWriterV2({
        bucket: this.bucket,
        prefix: HUNT_RESULTS_PREFIX,
        writerConfig: new sfn.WriterConfig({
          outputType: sfn.OutputType.JSONL,
          transformation: sfn.Transformation.COMPACT,
        }),
      }),
      mapExecutionType: sfn.StateMachineType.STANDARD,
      label: id,
    });
    const invoke = new tasks.LambdaInvoke(this, `${id}Batch`, {
      lambdaFunction: this.worker.fn,
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
      // The worker's own timeout plus a margin: a lost invocation ends in States.Timeout, retried below.
      taskTimeout: sfn.Timeout.duration(Duration.minutes(16)),
    });
    invoke.addRetry({
      errors: ['MatchSinkError', 'States.Timeout', 'Lambda.Unknown'],
      interval: Duration.seconds(30),
      maxAttempts: 2,
      backoffRate: 2,
    });
    // Throttled invocations (the worker's reservation is full) wait and try again.
    invoke.addRetry({
      errors: ['Lambda.TooManyRequestsException'],
      interval: Duration.seconds(10),
      maxAttempts: 8,
      backoffRate: 2,
      maxDelay: Duration.minutes(5),
      jitterStrategy: sfn.JitterType.FULL,
    });
    map.itemProcessor(invoke);
    return map;
  }

  private grantWorker(props: RetroHuntProps): void {
    const role = this.worker.role;
    props.matchesQueue.grantSendMessages(role);
    // Trail objects are read through the reader role in the log-archive account, never directly.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeTrailReader',
        actions: ['sts:AssumeRole'],
        resources: [props.trailReaderRoleArn],
      }),
    );
    Validations.of(role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'CDK grant on the KMS-encrypted matches queue adds GenerateDataKey* scoped to the stack key only',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        reason: 'CDK grant on the KMS-encrypted matches queue adds ReEncrypt* scoped to the stack key only',
      },
    );
    Validations.of(this.worker.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime the project targets and tests (design decision); upgrades are deliberate',
    });
  }

  private acknowledgeNagFindings(): void {
    Validations.of(this.stateMachine).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.worker.fn.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason: 'CDK lets the state machine invoke versions and aliases of the hunt worker only',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnElement)}>/*]`,
        reason:
          'The map reads hunt manifests and writes results anywhere in the hunt bucket, and nowhere else',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'CloudWatch Logs delivery and X-Ray calls of Step Functions logging and tracing support no resource-level scoping',
      },
    );
    Validations.of(this.stateMachine).acknowledge(
      ...['', '/HuntInline', '/HuntManifest'].map((child) => ({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${Stack.of(this).region}:${Stack.of(this).account}:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${Stack.of(this).getLogicalId(this.stateMachine.node.defaultChild as CfnElement)}"}]}]}${child}:*]`,
        reason: 'A Distributed Map manages the child executions of its own state machine only',
      })),
    );
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The hunt bucket holds short-lived manifests and results only, written by the operator and the state machine; it expires objects and needs no access log bucket',
    });
  }
}
