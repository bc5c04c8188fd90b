/**
 * Custom::TrailBucketEventBridge, used only for a trail bucket the customer owns (plain
 * Organizations, never a Control Tower or Landing Zone Accelerator bucket): switch on EventBridge
 * delivery while keeping the bucket's topic, queue and Lambda notifications exactly as they are.
 * S3 is reached through a small port (two calls: s3:GetBucketNotification and
 * s3:PutBucketNotification), so tests can run it against a fake.
 */
import { callAws } from './api-actions';

export interface BucketNotificationConfiguration {
  TopicConfigurations?: unknown[];
  QueueConfigurations?: unknown[];
  LambdaFunctionConfigurations?: unknown[];
  EventBridgeConfiguration?: Record<string, never>;
}

const KEPT_KEYS = [
  'TopicConfigurations',
  'QueueConfigurations',
  'LambdaFunctionConfigurations',
  'EventBridgeConfiguration',
] as const;

/**
 * Returns the configuration to put (the existing one with `EventBridgeConfiguration: {}` added)
 * and whether anything changed. Response metadata and unknown keys of a Get response are dropped,
 * because PutBucketNotificationConfiguration refuses them.
 */
export function enableEventBridge(existing: Record<string, unknown> | undefined): {
  config: BucketNotificationConfiguration;
  changed: boolean;
} {
  const config: Record<string, unknown> = {};
  for (const key of KEPT_KEYS) {
    const value = existing?.[key];
    if (value === undefined) continue;
    if (key !== 'EventBridgeConfiguration' && (!Array.isArray(value) || value.length === 0)) continue;
    config[key] = value;
  }
  const changed = config.EventBridgeConfiguration === undefined;
  config.EventBridgeConfiguration = {};
  return { config: config as BucketNotificationConfiguration, changed };
}

/** The two S3 calls the EventBridge switch needs (GetBucketNotificationConfiguration and Put…). */
export interface S3NotificationsPort {
  getBucketNotificationConfiguration(input: { Bucket: string }): Promise<Record<string, unknown>>;
  putBucketNotificationConfiguration(input: {
    Bucket: string;
    NotificationConfiguration: BucketNotificationConfiguration;
  }): Promise<unknown>;
}

/**
 * Switches on EventBridge delivery for `bucket`; returns whether it wrote (it reads only when
 * EventBridge is already on).
 */
export async function switchOnEventBridge(s3: S3NotificationsPort, bucket: string): Promise<boolean> {
  const resource = `bucket ${bucket}`;
  const current = await callAws('s3:GetBucketNotification', resource, () =>
    s3.getBucketNotificationConfiguration({ Bucket: bucket }),
  );
  const { config, changed } = enableEventBridge(current);
  if (!changed) return false;
  await callAws('s3:PutBucketNotification', resource, () =>
    s3.putBucketNotificationConfiguration({ Bucket: bucket, NotificationConfiguration: config }),
  );
  return true;
}
