/**
 * An SQS queue with its dead-letter queue: both encrypted with the stack key, SSL-only, the
 * main queue redriving to the DLQ after `maxReceiveCount` receives.
 */
import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { requireIntInRange } from './validate-props';

/**
 * SQS's largest message: 1 MiB since August 2025
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html).
 * Set explicitly so that the match sink's byte budget and the queue agree.
 */
export const MAX_MESSAGE_BYTES = 1_048_576;

export interface QueueWithDlqProps {
  encryptionKey: kms.IKey;
  /** At least six times the consumer's timeout (AWS guidance for Lambda event sources). */
  visibilityTimeout: Duration;
  /** Receives before a message moves to the DLQ (1–1000). */
  maxReceiveCount: number;
}

export class QueueWithDlq extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: QueueWithDlqProps) {
    super(scope, id);
    requireIntInRange(`QueueWithDlq ${id}`, 'maxReceiveCount', props.maxReceiveCount, 1, 1000);
    requireIntInRange(
      `QueueWithDlq ${id}`,
      'visibilityTimeout (seconds)',
      props.visibilityTimeout.toSeconds(),
      1,
      43200,
    );
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      maxMessageSizeBytes: MAX_MESSAGE_BYTES,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: Duration.days(4),
      maxMessageSizeBytes: MAX_MESSAGE_BYTES,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }
}
