/**
 * Subscribes the objects queue to the SNS topic the organization trail publishes log-file
 * notifications to (Control Tower: aws-controltower-AllConfigNotifications in the Audit account).
 * Nothing is written to the topic itself: the subscription belongs to this account, a filter on
 * the message body drops AWS Config's notifications on the same topic, and the queue and key admit
 * SNS for this topic only (aws:SourceArn).
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { requireArn, requireBucketName } from './validate-props';

export interface TrailNotificationSubscriptionProps {
  topicArn: string;
  trailBucket: string;
  /** `<prefix>/AWSLogs/` or `AWSLogs/`. */
  trailLogsPrefix: string;
  objectsQueue: sqs.IQueue;
  /** The key that encrypts the objects queue: SNS needs it to deliver. */
  encryptionKey: kms.IKey;
}

/**
 * The subscription filter: CloudTrail's `{"s3Bucket": …, "s3ObjectKey": [...]}` for this bucket
 * and prefix; AWS Config's notifications carry `messageType` and are dropped.
 */
export function trailNotificationFilter(bucket: string, logsPrefix: string): Record<string, unknown> {
  return {
    s3Bucket: [bucket],
    s3ObjectKey: [{ prefix: logsPrefix }],
    messageType: [{ exists: false }],
  };
}

export class TrailNotificationSubscription extends Construct {
  readonly subscription: sns.CfnSubscription;

  constructor(scope: Construct, id: string, props: TrailNotificationSubscriptionProps) {
    super(scope, id);
    const owner = 'TrailNotificationSubscription';
    const topicArn = requireArn(owner, 'topicArn', props.topicArn, 'sns');
    const bucket = requireBucketName(owner, 'trailBucket', props.trailBucket);
    const queue = props.objectsQueue;
    queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'TrailTopicDelivers',
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [queue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': topicArn } },
      }),
    );
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'TrailTopicEncryptsForQueue',
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { ArnEquals: { 'aws:SourceArn': topicArn } },
      }),
    );
    this.subscription = new sns.CfnSubscription(this, 'Subscription', {
      topicArn,
      protocol: 'sqs',
      endpoint: queue.queueArn,
      // The body is CloudTrail's notification itself, not an SNS envelope around it.
      rawMessageDelivery: true,
      filterPolicyScope: 'MessageBody',
      filterPolicy: trailNotificationFilter(bucket, props.trailLogsPrefix),
      region: topicArn.split(':')[3],
    });
  }
}
