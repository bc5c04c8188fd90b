/**
 * Unit tests of the bucket-notification editing behind Custom::TrailBucketEventBridge (moved from
 * test/stacks/grants-bucket-policy.test.ts when the bucket-policy code was removed).
 */
import { enableEventBridge, switchOnEventBridge } from '../../src/grants/bucket-notification';
import { createDenyingClients } from './deny-fake';

describe('enableEventBridge', () => {
  it('adds EventBridge and keeps existing notifications, dropping response metadata', () => {
    const queue = [{ Id: 'q', QueueArn: 'arn:aws:sqs:us-east-1:1:q', Events: ['s3:ObjectCreated:*'] }];
    const { config, changed } = enableEventBridge({
      QueueConfigurations: queue,
      $metadata: { httpStatusCode: 200 },
    });
    expect(changed).toBe(true);
    expect(config).toEqual({ QueueConfigurations: queue, EventBridgeConfiguration: {} });
  });
  it('reports no change when EventBridge is already on', () => {
    const topics = [{ TopicArn: 'arn:aws:sns:us-east-1:1:t', Events: ['s3:ObjectRemoved:*'] }];
    expect(enableEventBridge({ TopicConfigurations: topics, EventBridgeConfiguration: {} })).toEqual({
      config: { TopicConfigurations: topics, EventBridgeConfiguration: {} },
      changed: false,
    });
  });
  it('handles a bucket without any configuration', () => {
    expect(enableEventBridge(undefined)).toEqual({ config: { EventBridgeConfiguration: {} }, changed: true });
  });
  it('drops empty lists, which S3 would refuse', () => {
    expect(enableEventBridge({ LambdaFunctionConfigurations: [], TopicConfigurations: [] }).config).toEqual({
      EventBridgeConfiguration: {},
    });
  });
});

describe('switchOnEventBridge', () => {
  it('writes once, then only reads', async () => {
    const { deps, calls } = createDenyingClients([]);
    await expect(switchOnEventBridge(deps.s3, 'b')).resolves.toBe(true);
    await expect(switchOnEventBridge(deps.s3, 'b')).resolves.toBe(false);
    expect(calls).toEqual([
      's3:GetBucketNotification',
      's3:PutBucketNotification',
      's3:GetBucketNotification',
    ]);
  });
  it('names the action, the bucket and the original error of any failure', async () => {
    const s3 = {
      getBucketNotificationConfiguration: async () => {
        throw Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket' });
      },
      putBucketNotificationConfiguration: async () => ({}),
    };
    await expect(switchOnEventBridge(s3, 'gone')).rejects.toThrow(
      's3:GetBucketNotification on bucket gone failed (NoSuchBucket: The specified bucket does not exist)',
    );
  });
});
