/**
 * What each landing zone denies, as its service control policies publish it: actions and the
 * resources they are denied on. The test matrix checks that no policy, custom resource or SDK call
 * of the code can attempt one of these on the landing zone's resources. Where TrailAlerts keeps a
 * stricter rule of its own than the published controls, the entry says so in its source.
 */
import type { LandingZoneKind } from './landing-zone';

export interface DeniedActions {
  /** Control id or SCP statement id. */
  control: string;
  actions: string[];
  /** Resource ARN patterns (`*` wildcards) the deny applies to. */
  resources: string[];
  source: string;
}

const CT_MANDATORY =
  'https://docs.aws.amazon.com/controltower/latest/controlreference/mandatory-controls.html';
const LZA_GUARDRAILS =
  'Landing Zone Accelerator universal configuration, service-control-policies/lza-core-guardrails-2.json (GRS3) and the sample guardrails-1.json (SnsStatement)';

export const LANDING_ZONE_DENIALS: Record<Exclude<LandingZoneKind, 'none'>, DeniedActions[]> = {
  controlTower: [
    {
      control: 'AWS-GR_CT_AUDIT_BUCKET_POLICY_CHANGES_PROHIBITED',
      actions: ['s3:PutBucketPolicy', 's3:DeleteBucketPolicy'],
      resources: ['arn:aws:s3:::aws-controltower*'],
      source: CT_MANDATORY,
    },
    {
      control: 'AWS-GR_CT_AUDIT_BUCKET_ENCRYPTION_CHANGES_PROHIBITED',
      actions: ['s3:PutEncryptionConfiguration'],
      resources: ['arn:aws:s3:::aws-controltower*'],
      source: CT_MANDATORY,
    },
    {
      control: 'AWS-GR_CT_AUDIT_BUCKET_LOGGING_CONFIGURATION_CHANGES_PROHIBITED',
      actions: ['s3:PutBucketLogging'],
      resources: ['arn:aws:s3:::aws-controltower*'],
      source: CT_MANDATORY,
    },
    {
      control: 'AWS-GR_CT_AUDIT_BUCKET_LIFECYCLE_CONFIGURATION_CHANGES_PROHIBITED',
      actions: ['s3:PutLifecycleConfiguration'],
      resources: ['arn:aws:s3:::aws-controltower*'],
      source: CT_MANDATORY,
    },
    {
      control: 'AWS-GR_AUDIT_BUCKET_DELETION_PROHIBITED',
      actions: ['s3:DeleteBucket'],
      resources: ['arn:aws:s3:::aws-controltower*'],
      source: CT_MANDATORY,
    },
    {
      control: 'TrailAlerts: no write to a Control Tower bucket',
      // Not denied by a published control, but it replaces the bucket's whole notification
      // configuration: drift on a bucket Control Tower owns.
      actions: ['s3:PutBucketNotification'],
      resources: ['arn:aws:s3:::aws-controltower*'],
      source:
        'https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html ("replaces the existing notification configuration")',
    },
    {
      control: 'AWS-GR_SNS_CHANGE_PROHIBITED',
      actions: [
        'sns:AddPermission',
        'sns:CreateTopic',
        'sns:DeleteTopic',
        'sns:RemovePermission',
        'sns:SetTopicAttributes',
      ],
      resources: ['arn:aws:sns:*:*:aws-controltower-*'],
      source: CT_MANDATORY,
    },
    {
      control: 'AWS-GR_SNS_SUBSCRIPTION_CHANGE_PROHIBITED',
      actions: ['sns:Subscribe', 'sns:Unsubscribe'],
      resources: ['arn:aws:sns:*:*:aws-controltower-SecurityNotifications'],
      source: CT_MANDATORY,
    },
    {
      control: 'AWS-GR_CLOUDWATCH_EVENTS_CHANGE_PROHIBITED',
      actions: [
        'events:PutRule',
        'events:PutTargets',
        'events:RemoveTargets',
        'events:DisableRule',
        'events:DeleteRule',
      ],
      resources: ['arn:aws:events:*:*:rule/aws-controltower-*'],
      source: CT_MANDATORY,
    },
    {
      control: 'AWS-GR_IAM_ROLE_CHANGE_PROHIBITED',
      actions: [
        'iam:AttachRolePolicy',
        'iam:CreateRole',
        'iam:DeleteRole',
        'iam:DeleteRolePolicy',
        'iam:DetachRolePolicy',
        'iam:PutRolePolicy',
        'iam:UpdateAssumeRolePolicy',
        'iam:UpdateRole',
      ],
      resources: [
        'arn:aws:iam::*:role/aws-controltower-*',
        'arn:aws:iam::*:role/*AWSControlTower*',
        'arn:aws:iam::*:role/stacksets-exec-*',
      ],
      source: CT_MANDATORY,
    },
    {
      control: 'AWS-GR_CLOUDTRAIL_CHANGE_PROHIBITED',
      actions: [
        'cloudtrail:DeleteTrail',
        'cloudtrail:PutEventSelectors',
        'cloudtrail:StopLogging',
        'cloudtrail:UpdateTrail',
      ],
      resources: ['arn:aws:cloudtrail:*:*:trail/aws-controltower-*'],
      source: CT_MANDATORY,
    },
  ],
  accelerator: [
    {
      control: 'LZA GRS3',
      actions: [
        's3:Delete*',
        's3:PutBucketLogging',
        's3:PutBucketPolicy',
        's3:PutBucketVersioning',
        's3:PutEncryptionConfiguration',
        's3:PutLifecycleConfiguration',
        's3:PutObjectRetention',
        's3:PutObjectTagging',
        's3:PutReplicationConfiguration',
        's3:ReplicateDelete',
      ],
      resources: ['arn:aws:s3:::aws-accelerator*', 'arn:aws:s3:::cdk-accel*'],
      source: LZA_GUARDRAILS,
    },
    {
      control: 'TrailAlerts: no write to an accelerator bucket',
      // LZA owns the bucket through CloudFormation: a notification written beside it is drift.
      actions: ['s3:PutBucketNotification'],
      resources: ['arn:aws:s3:::aws-accelerator*'],
      source:
        'https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html ("replaces the existing notification configuration")',
    },
    {
      control: 'LZA SnsStatement',
      actions: [
        'sns:AddPermission',
        'sns:CreateTopic',
        'sns:DeleteTopic',
        'sns:RemovePermission',
        'sns:SetTopicAttributes',
        'sns:Subscribe',
        'sns:Unsubscribe',
      ],
      resources: ['arn:aws:sns:*:*:aws-accelerator-*'],
      source: LZA_GUARDRAILS,
    },
  ],
};

/** True when `action` (possibly `svc:*` or `*`) may perform `denied` (possibly with a wildcard). */
export function actionCovers(action: string, denied: string): boolean {
  return (
    wildcard(action.toLowerCase()).test(denied.toLowerCase()) ||
    wildcard(denied.toLowerCase()).test(action.toLowerCase())
  );
}

/** True when a policy resource (possibly `*`, possibly an unresolved token) can name `pattern`'s resources. */
export function resourceOverlaps(resource: string, pattern: string): boolean {
  return wildcard(resource).test(pattern.replace(/\*/g, 'x')) || wildcard(pattern).test(resource);
}

function wildcard(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}
