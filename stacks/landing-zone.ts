/**
 * The shape of the organization's logging, read from accounts.yaml alone: who manages the trail
 * bucket (AWS Control Tower, Landing Zone Accelerator or nobody), how new log objects are learnt
 * of, and where the log-archive access (reader role, key grant, forwarding) is deployed. Every
 * deploy-time choice comes from here, so the pipeline's own synth gives the first deploy's templates.
 */
import type { AccountsConfig } from '../src/org';
import { PropsError } from './constructs/validate-props';

export type LandingZoneKind = 'controlTower' | 'accelerator' | 'none';
export type NewObjectsSource = 'eventBridge' | 'sns' | 'poll';

/** Control Tower's baseline trail and the topic it publishes log-file notifications to. */
export const CONTROL_TOWER_TRAIL_NAME = 'aws-controltower-BaselineCloudTrail';
export const CONTROL_TOWER_NOTIFICATION_TOPIC = 'aws-controltower-AllConfigNotifications';

const CONTROL_TOWER_BUCKET = /^aws-controltower-logs-(\d{12})-([a-z]{2}(?:-[a-z]+)+-\d)$/;
const ACCELERATOR_BUCKET = /^aws-accelerator-central-logs-(\d{12})-([a-z]{2}(?:-[a-z]+)+-\d)$/;

export interface LandingZoneShape {
  kind: LandingZoneKind;
  /** Why this kind: the bucket name pattern or the explicit setting. */
  kindSource: string;
  /** False for a landing-zone-managed bucket: no bucket policy, notification or other write. */
  bucketWritable: boolean;
  newObjects: NewObjectsSource;
  newObjectsSource: string;
  /** The SNS topic subscribed to (newObjects `sns`). */
  notificationTopicArn?: string;
  /**
   * Where the log-archive resources go: a service-managed StackSet aimed at the log-archive
   * account, or a plain stack when the bucket sits in the management account (StackSets never
   * deploy there).
   */
  logArchiveAccess: 'stackSet' | 'managementStack';
  /** The trail key lives outside the log-archive account: a KMS grant gives the reader Decrypt. */
  crossAccountKey: boolean;
}

/**
 * Infers the shape and checks that the configuration can work; throws a PropsError naming the
 * accounts.yaml path otherwise.
 */
export function landingZoneShape(config: AccountsConfig): LandingZoneShape {
  const org = config.organization;
  const trail = config.trail;
  const bucket = trail.bucket;
  let kind: LandingZoneKind;
  let kindSource: string;
  if (trail.landingZone !== undefined) {
    kind = trail.landingZone;
    kindSource = 'trail.landingZone';
  } else if (CONTROL_TOWER_BUCKET.test(bucket)) {
    kind = 'controlTower';
    kindSource = 'bucket name aws-controltower-logs-<account>-<region>';
  } else if (ACCELERATOR_BUCKET.test(bucket)) {
    kind = 'accelerator';
    kindSource = 'bucket name aws-accelerator-central-logs-<account>-<region>';
  } else {
    kind = 'none';
    kindSource = 'bucket name matches no landing zone';
  }
  const namedAccount = (CONTROL_TOWER_BUCKET.exec(bucket) ?? ACCELERATOR_BUCKET.exec(bucket))?.[1];
  if (namedAccount !== undefined && namedAccount !== trail.accountId) {
    throw new PropsError(
      'accounts.yaml',
      'trail.accountId',
      `the log-archive account named in the bucket name ${bucket} (${namedAccount})`,
      trail.accountId,
    );
  }
  const managementBucket = trail.accountId === org.managementAccountId;
  if (managementBucket && kind !== 'none') {
    throw new PropsError(
      'accounts.yaml',
      'trail.accountId',
      `the log-archive account (a ${kind === 'controlTower' ? 'Control Tower' : 'Landing Zone Accelerator'} bucket never lives in the management account)`,
      trail.accountId,
    );
  }
  if (managementBucket && config.grants !== undefined) {
    throw new PropsError(
      'accounts.yaml',
      'grants',
      'no grants: section when the trail bucket is in the management account: service-managed StackSets never deploy there, so TrailAlerts deploys the log-archive access as a stack of its own into the management account',
      config.grants,
    );
  }
  const bucketWritable = kind === 'none';

  const topicDefault =
    kind === 'controlTower'
      ? `arn:aws:sns:${org.homeRegion}:${org.securityAccountId}:${CONTROL_TOWER_NOTIFICATION_TOPIC}`
      : undefined;
  const topicArn = trail.notificationTopicArn ?? topicDefault;
  let newObjects: NewObjectsSource;
  let newObjectsSource: string;
  if (trail.newObjects !== undefined) {
    newObjects = trail.newObjects;
    newObjectsSource = 'trail.newObjects';
  } else if (bucketWritable) {
    newObjects = 'eventBridge';
    newObjectsSource = 'the bucket is yours: its EventBridge notifications are switched on';
  } else if (topicArn !== undefined && accountOfArn(topicArn) === org.securityAccountId) {
    newObjects = 'sns';
    newObjectsSource =
      'the trail notifies an SNS topic in the security account (Control Tower: the Audit account)';
  } else {
    newObjects = 'poll';
    newObjectsSource = 'the bucket is managed and no trail topic is in the security account';
  }
  if (newObjects === 'eventBridge' && !bucketWritable) {
    throw new PropsError(
      'accounts.yaml',
      'trail.newObjects',
      `sns or poll: the ${kind} bucket's notification configuration must not be changed`,
      'eventBridge',
    );
  }
  if (newObjects === 'sns' && topicArn === undefined) {
    throw new PropsError(
      'accounts.yaml',
      'trail.notificationTopicArn',
      'the SNS topic the trail publishes log-file notifications to (newObjects: sns)',
      undefined,
    );
  }
  if (newObjects === 'eventBridge' && managementBucket === false && config.grants === undefined) {
    throw new PropsError(
      'accounts.yaml',
      'grants',
      'a grants: section (the StackSet switches on the bucket notifications and forwards them), or trail.newObjects: poll',
      undefined,
    );
  }

  const keyAccount = trail.kmsKeyArn === undefined ? undefined : accountOfArn(trail.kmsKeyArn);
  return {
    kind,
    kindSource,
    bucketWritable,
    newObjects,
    newObjectsSource,
    notificationTopicArn: newObjects === 'sns' ? topicArn : undefined,
    logArchiveAccess: managementBucket ? 'managementStack' : 'stackSet',
    crossAccountKey: keyAccount !== undefined && keyAccount !== trail.accountId,
  };
}

/** The trail ARN: trail.arn, or Control Tower's baseline trail in the management account. */
export function trailArnOf(config: AccountsConfig, shape: LandingZoneShape): string | undefined {
  if (config.trail.arn !== undefined) return config.trail.arn;
  if (shape.kind !== 'controlTower') return undefined;
  const org = config.organization;
  return `arn:aws:cloudtrail:${org.homeRegion}:${org.managementAccountId}:trail/${CONTROL_TOWER_TRAIL_NAME}`;
}

function accountOfArn(arn: string): string | undefined {
  return /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(arn)?.[1];
}
