/**
 * The member-grants template that the StackSet deploys into the accounts of the target OUs. Its
 * resources only take effect in the log-archive account, in the trail bucket's region (a
 * condition); everywhere else the stack instance holds a harmless placeholder. In the log
 * archive it installs: the analyzer's read statement in the bucket policy (merged by Sid), the
 * KMS grant (Decrypt, CloudTrail encryption context only), the bucket's EventBridge switch and the
 * rule forwarding trail "Object Created" events to the security account's bus. The custom-resource
 * code is inlined (no asset bucket exists in member accounts).
 */
import {
  BootstraplessSynthesizer,
  CfnCondition,
  CfnResource,
  CustomResource,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  Validations,
  type StackProps,
} from 'aws-cdk-lib';
import * as cfn from 'aws-cdk-lib/aws-cloudformation';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { trailObjectCreatedPattern } from './constructs/trail-event-bus';
import {
  PropsError,
  requireAccountId,
  requireArn,
  requireBucketName,
  requireKeyPrefix,
  requireOrganizationId,
  requireRegion,
  trailLogsKeyPrefix,
} from './constructs/validate-props';
import { renderGrantsHandler } from './render-grants-handler';

export const BUCKET_STATEMENT_SID = 'TrailAlertsAnalyzerReadTrailLogs';

export interface MemberGrantsStackProps extends StackProps {
  organizationId: string;
  logArchiveAccountId: string;
  trailBucket: string;
  trailBucketRegion: string;
  trailPrefix?: string;
  /** The trail's SSE-KMS key; no grant is made without it. */
  trailKmsKeyArn?: string;
  /** ARN of the organization trail (the `aws:cloudtrail:arn` encryption context of its objects). */
  trailArn?: string;
  /**
   * Merge the analyzer's statement into the bucket policy (default true). Turn off where the
   * bucket policy is owned elsewhere (Control Tower's mandatory control, Landing Zone Accelerator)
   * and the statement is added there instead.
   */
  manageBucketPolicy?: boolean;
  analyzerRoleArn: string;
  /** The retro-hunt worker role: read (and list) the trail prefix like the analyzer. */
  huntWorkerRoleArn?: string;
  securityEventBusArn: string;
  /** Inline handler source; default: lambdas/grants/handler.ts bundled with esbuild. */
  handlerSource?: string;
}

export class MemberGrantsStack extends Stack {
  readonly inLogArchive: CfnCondition;

  constructor(scope: Construct, id: string, props: MemberGrantsStackProps) {
    super(scope, id, { ...props, synthesizer: props.synthesizer ?? new BootstraplessSynthesizer() });
    const owner = 'MemberGrantsStack';
    const orgId = requireOrganizationId(owner, 'organizationId', props.organizationId);
    const logArchive = requireAccountId(owner, 'logArchiveAccountId', props.logArchiveAccountId);
    const bucket = requireBucketName(owner, 'trailBucket', props.trailBucket);
    const bucketRegion = requireRegion(owner, 'trailBucketRegion', props.trailBucketRegion);
    const prefix = requireKeyPrefix(owner, 'trailPrefix', props.trailPrefix);
    const analyzerRoleArn = requireArn(owner, 'analyzerRoleArn', props.analyzerRoleArn, 'iam');
    const huntRoleArn =
      props.huntWorkerRoleArn === undefined
        ? undefined
        : requireArn(owner, 'huntWorkerRoleArn', props.huntWorkerRoleArn, 'iam');
    const readers = huntRoleArn ? [analyzerRoleArn, huntRoleArn] : [analyzerRoleArn];
    const busArn = requireArn(owner, 'securityEventBusArn', props.securityEventBusArn, 'events');
    const keyArn =
      props.trailKmsKeyArn === undefined
        ? undefined
        : requireArn(owner, 'trailKmsKeyArn', props.trailKmsKeyArn, 'kms');
    if (keyArn !== undefined) {
      if (props.trailArn === undefined)
        throw new PropsError(
          owner,
          'trailArn',
          'the organization trail ARN (needed to constrain the KMS grant)',
          undefined,
        );
      requireArn(owner, 'trailArn', props.trailArn, 'cloudtrail');
    }

    this.inLogArchive = new CfnCondition(this, 'InLogArchiveTrailRegion', {
      expression: Fn.conditionAnd(
        Fn.conditionEquals(Stack.of(this).account, logArchive),
        Fn.conditionEquals(Stack.of(this).region, bucketRegion),
      ),
    });
    // Every stack instance needs one resource, even where the condition is false.
    new cfn.CfnWaitConditionHandle(this, 'Placeholder');

    const logGroup = new logs.LogGroup(this, 'GrantsLogGroup', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'GrantsRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        'TrailAlerts member grants: edits one bucket-policy statement, the EventBridge switch and one KMS grant',
    });
    logGroup.grantWrite(role);
    const bucketArn = `arn:${this.partition}:s3:::${bucket}`;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EditTrailBucketPolicyAndNotifications',
        actions: [
          's3:GetBucketPolicy',
          's3:PutBucketPolicy',
          's3:DeleteBucketPolicy',
          's3:GetBucketNotification',
          's3:PutBucketNotification',
        ],
        resources: [bucketArn],
      }),
    );
    if (keyArn !== undefined) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'GrantAnalyzerDecryptOnly',
          actions: ['kms:CreateGrant'],
          resources: [keyArn],
          conditions: {
            StringEquals: { 'kms:GranteePrincipal': huntRoleArn ? readers : analyzerRoleArn },
            'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt'] },
          },
        }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'RevokeAnalyzerGrant',
          actions: ['kms:RevokeGrant'],
          resources: [keyArn],
        }),
      );
    }
    const fn = new lambda.Function(this, 'GrantsFunction', {
      description: 'TrailAlerts member grants custom resource',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline(props.handlerSource ?? renderGrantsHandler()),
      timeout: Duration.minutes(2),
      memorySize: 256,
      role,
      logGroup,
    });
    fn.node.addDependency(role);
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the runtime the project targets and tests; upgrades are deliberate',
    });

    const statement = {
      Sid: BUCKET_STATEMENT_SID,
      Effect: 'Allow',
      Principal: { AWS: huntRoleArn ? readers : analyzerRoleArn },
      Action: 's3:GetObject',
      Resource: `${bucketArn}/${trailLogsKeyPrefix(prefix)}*`,
      Condition: { StringEquals: { 'aws:PrincipalOrgID': orgId } },
    };
    if (props.manageBucketPolicy !== false) {
      new CustomResource(this, 'BucketStatement', {
        serviceToken: fn.functionArn,
        resourceType: 'Custom::TrailBucketStatement',
        properties: { Bucket: bucket, Statement: statement },
      });
      if (huntRoleArn) {
        // The retro-hunt lists day folders under the trail prefix (only there).
        new CustomResource(this, 'BucketListStatement', {
          serviceToken: fn.functionArn,
          resourceType: 'Custom::TrailBucketStatement',
          properties: {
            Bucket: bucket,
            Statement: {
              Sid: `${BUCKET_STATEMENT_SID}List`,
              Effect: 'Allow',
              Principal: { AWS: huntRoleArn },
              Action: 's3:ListBucket',
              Resource: bucketArn,
              Condition: {
                StringEquals: { 'aws:PrincipalOrgID': orgId },
                StringLike: { 's3:prefix': [`${trailLogsKeyPrefix(prefix)}*`] },
              },
            },
          },
        });
      }
    }
    new CustomResource(this, 'BucketEventBridge', {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::TrailBucketEventBridge',
      properties: { Bucket: bucket },
    });
    if (keyArn !== undefined) {
      new CustomResource(this, 'KeyGrant', {
        serviceToken: fn.functionArn,
        resourceType: 'Custom::TrailKeyGrant',
        properties: { KeyArn: keyArn, GranteeRoleArn: analyzerRoleArn, TrailArn: props.trailArn },
      });
      if (huntRoleArn) {
        new CustomResource(this, 'HuntKeyGrant', {
          serviceToken: fn.functionArn,
          resourceType: 'Custom::TrailKeyGrant',
          properties: { KeyArn: keyArn, GranteeRoleArn: huntRoleArn, TrailArn: props.trailArn },
        });
      }
    }

    new events.Rule(this, 'ForwardTrailObjects', {
      description:
        'Forward CloudTrail log objects created in the trail bucket to the TrailAlerts security account',
      eventPattern: trailObjectCreatedPattern(bucket, prefix),
      targets: [new targets.EventBus(events.EventBus.fromEventBusArn(this, 'SecurityBus', busArn))],
    });

    // Everything but the placeholder exists only in the log archive, in the bucket's region.
    for (const child of this.node.findAll()) {
      if (child instanceof CfnResource && !(child instanceof cfn.CfnWaitConditionHandle))
        child.cfnOptions.condition = this.inLogArchive;
    }
  }
}
