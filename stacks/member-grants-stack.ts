/**
 * The log-archive access stack, deployed into the account that owns the trail bucket (by the
 * member-grants StackSet, or as a plain stack when the bucket is in the management account):
 *   - the trail reader role, which the security account's functions assume to list and read the
 *     trail's log objects (same-account IAM access: the bucket policy is never changed);
 *   - a KMS Decrypt grant for the reader, only when the trail key lives in another account;
 *   - only for a bucket the customer owns (no landing zone): the bucket's EventBridge switch and a
 *     rule forwarding "Object Created" events to the security account's bus, with a DLQ whose
 *     alarm's state changes are forwarded to that bus too (for the operations topic).
 * The custom-resource code is inlined (no asset bucket exists in member accounts).
 */
import {
  BootstraplessSynthesizer,
  CustomResource,
  Duration,
  RemovalPolicy,
  Stack,
  Validations,
  type StackProps,
} from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { GRANTS_API_ACTIONS } from '../src/grants';
import { addBusForwarding } from './constructs/bus-forwarding';
import { trailObjectCreatedPattern } from './constructs/trail-event-bus';
import {
  PropsError,
  requireAccountId,
  requireArn,
  requireBucketName,
  requireKeyPrefix,
  requireName,
  requireOrganizationId,
  requireRegion,
  trailLogsKeyPrefix,
} from './constructs/validate-props';
import { renderGrantsHandler } from './render-grants-handler';
import { resourceNames } from './resource-names';

export const TRAIL_READER_ROLE_NAME = resourceNames().trailReaderRole;
export const FORWARD_RULE_NAME = resourceNames().forwardRule;

export interface MemberGrantsStackProps extends StackProps {
  organizationId: string;
  logArchiveAccountId: string;
  trailBucket: string;
  trailBucketRegion: string;
  trailPrefix?: string;
  /** The trail's SSE-KMS key, if any. */
  trailKmsKeyArn?: string;
  /** The organization trail (the `aws:cloudtrail:arn` encryption context of its objects). */
  trailArn?: string;
  /** Name of the reader role (default trailalerts-trail-reader). */
  readerRoleName?: string;
  /** Name of the forwarding rule (default trailalerts-forward-trail-objects). */
  forwardRuleName?: string;
  /** Roles of the security account that assume the reader (analyzer, hunt worker, poller). */
  readerPrincipalArns: string[];
  /**
   * Forward "Object Created" events to this bus (and switch the bucket's EventBridge
   * notifications on). Only for a bucket no landing zone manages.
   */
  forwardTo?: { securityEventBusArn: string };
  /** Inline handler source; default: src/grants/handler.ts bundled with esbuild. */
  handlerSource?: string;
}

export class MemberGrantsStack extends Stack {
  readonly readerRole: iam.Role;
  /** The custom-resource role, when a custom resource is needed at all. */
  readonly grantsRole?: iam.Role;

  constructor(scope: Construct, id: string, props: MemberGrantsStackProps) {
    // Inside a StackSet there is no bootstrap: the template carries everything it needs.
    super(scope, id, { ...props, synthesizer: props.synthesizer ?? new BootstraplessSynthesizer() });
    const owner = 'MemberGrantsStack';
    requireOrganizationId(owner, 'organizationId', props.organizationId);
    requireAccountId(owner, 'logArchiveAccountId', props.logArchiveAccountId);
    const bucket = requireBucketName(owner, 'trailBucket', props.trailBucket);
    const bucketRegion = requireRegion(owner, 'trailBucketRegion', props.trailBucketRegion);
    const prefix = requireKeyPrefix(owner, 'trailPrefix', props.trailPrefix);
    if (props.readerPrincipalArns.length === 0)
      throw new PropsError(owner, 'readerPrincipalArns', 'at least one role ARN', []);
    props.readerPrincipalArns.forEach((arn, i) => requireArn(owner, `readerPrincipalArns[${i}]`, arn, 'iam'));
    const readerRoleName = requireName(
      owner,
      'readerRoleName',
      props.readerRoleName ?? TRAIL_READER_ROLE_NAME,
      /^[A-Za-z0-9+=,.@_-]{1,64}$/,
      'an IAM role name',
    );
    const keyArn =
      props.trailKmsKeyArn === undefined
        ? undefined
        : requireArn(owner, 'trailKmsKeyArn', props.trailKmsKeyArn, 'kms');
    const trailArn =
      props.trailArn === undefined ? undefined : requireArn(owner, 'trailArn', props.trailArn, 'cloudtrail');
    const keyAccount = keyArn === undefined ? undefined : keyArn.split(':')[4];
    const crossAccountKey = keyAccount !== undefined && keyAccount !== props.logArchiveAccountId;
    if (crossAccountKey && trailArn === undefined)
      throw new PropsError(
        owner,
        'trailArn',
        'the organization trail ARN (it constrains the KMS grant to the trail encryption context)',
        undefined,
      );

    const bucketArn = `arn:${this.partition}:s3:::${bucket}`;
    const logsPrefix = trailLogsKeyPrefix(prefix);
    this.readerRole = new iam.Role(this, 'TrailReaderRole', {
      roleName: readerRoleName,
      description: 'TrailAlerts: the security account reads (only) the CloudTrail log objects',
      assumedBy: new iam.CompositePrincipal(
        ...props.readerPrincipalArns.map((arn) => new iam.ArnPrincipal(arn)),
      ),
      maxSessionDuration: Duration.hours(1),
    });
    this.readerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTrailLogObjects',
        actions: ['s3:GetObject'],
        resources: [`${bucketArn}/${logsPrefix}*`],
      }),
    );
    this.readerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListTrailLogPrefix',
        actions: ['s3:ListBucket'],
        resources: [bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${logsPrefix}*`] } },
      }),
    );
    if (keyArn !== undefined) {
      this.readerRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptTrailObjectsViaS3',
          actions: ['kms:Decrypt'],
          resources: [keyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': `s3.${bucketRegion}.amazonaws.com`,
              ...(trailArn ? { 'kms:EncryptionContext:aws:cloudtrail:arn': trailArn } : {}),
            },
          },
        }),
      );
    }
    Validations.of(this.readerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${bucket}/${logsPrefix}*]`,
      reason:
        'The reader reads any CloudTrail log object of the trail: s3:GetObject under the trail prefix only',
    });

    const needsKeyGrant = crossAccountKey;
    const forward = props.forwardTo;
    if (!needsKeyGrant && forward === undefined) return;

    const logGroup = new logs.LogGroup(this, 'GrantsLogGroup', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const grantsRole = new iam.Role(this, 'GrantsRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: forward
        ? 'TrailAlerts log-archive access: the bucket EventBridge switch and the reader key grant'
        : 'TrailAlerts log-archive access: the reader key grant',
    });
    this.grantsRole = grantsRole;
    logGroup.grantWrite(grantsRole);
    if (forward !== undefined) {
      grantsRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'SwitchOnBucketEventBridge',
          actions: GRANTS_API_ACTIONS['Custom::TrailBucketEventBridge'],
          resources: [bucketArn],
        }),
      );
    }
    if (needsKeyGrant && keyArn !== undefined) {
      const [createGrant, ...others] = GRANTS_API_ACTIONS['Custom::TrailKeyGrant'];
      grantsRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'GrantReaderDecryptOnly',
          actions: [createGrant],
          resources: [keyArn],
          conditions: {
            StringEquals: { 'kms:GranteePrincipal': this.readerRole.roleArn },
            'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt'] },
          },
        }),
      );
      grantsRole.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'RetireReaderGrant', actions: others, resources: [keyArn] }),
      );
    }
    const fn = new lambda.Function(this, 'GrantsFunction', {
      description: 'TrailAlerts log-archive access custom resource',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline(props.handlerSource ?? renderGrantsHandler()),
      timeout: Duration.minutes(2),
      memorySize: 256,
      role: grantsRole,
      logGroup,
    });
    fn.node.addDependency(grantsRole);
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the runtime the project targets and tests; upgrades are deliberate',
    });

    if (needsKeyGrant && keyArn !== undefined && trailArn !== undefined) {
      new CustomResource(this, 'ReaderKeyGrant', {
        serviceToken: fn.functionArn,
        resourceType: 'Custom::TrailKeyGrant',
        properties: {
          KeyArn: keyArn,
          GranteeRoleArn: this.readerRole.roleArn,
          RetiringPrincipalArn: grantsRole.roleArn,
          TrailArn: trailArn,
        },
      });
    }
    if (forward !== undefined) {
      const busArn = requireArn(
        owner,
        'forwardTo.securityEventBusArn',
        forward.securityEventBusArn,
        'events',
      );
      this.addForwarding(fn, bucket, prefix, busArn, props.forwardRuleName ?? FORWARD_RULE_NAME);
    }
  }

  /** The bucket's EventBridge switch and the rule that forwards trail objects, with retries and an alarmed DLQ. */
  private addForwarding(
    fn: lambda.IFunction,
    bucket: string,
    prefix: string,
    busArn: string,
    ruleName: string,
  ): void {
    new CustomResource(this, 'BucketEventBridge', {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::TrailBucketEventBridge',
      properties: { Bucket: bucket },
    });
    addBusForwarding(this, {
      ruleName,
      ruleId: 'ForwardTrailObjects',
      ruleDescription:
        'Forward CloudTrail log objects created in the trail bucket to the TrailAlerts security account',
      roleDescription: 'TrailAlerts: EventBridge forwards trail objects to the security account bus',
      eventPattern: renderPattern(trailObjectCreatedPattern(bucket, prefix)),
      busArn,
      targetId: 'SecurityAccountBus',
    });
  }
}

/** An EventPattern in CloudFormation's spelling (detail-type, not detailType). */
function renderPattern(pattern: events.EventPattern): Record<string, unknown> {
  const { detailType, ...rest } = pattern;
  return { ...rest, ...(detailType ? { 'detail-type': detailType } : {}) };
}
