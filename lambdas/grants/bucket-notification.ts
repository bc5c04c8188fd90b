/**
 * Pure bucket-notification editing: switch on EventBridge delivery for a bucket while keeping its
 * existing topic, queue and Lambda notifications exactly as they are.
 */

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
