/**
 * Publishes alerts to SNS topics: ASCII subject, compact text message, and String message
 * attributes (level, ruleId, accountId, ouPath, kind) for subscription filter policies.
 * Throttling and 5xx are retried with backoff, within the send's time (`signal`); then the error
 * propagates.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from '../alerts';
import type { NamedDestination } from './destination';
import type { Notifier } from './notifier';
import { snsPublishInput } from './render-sns';
import { isRetryableAwsError, withRetry, type RetryOptions, type SendOptions } from './retry';

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/** The destination's topic ARN, checked; throws naming the destination. */
export function checkTopicArn(named: NamedDestination): string {
  const d = named.destination;
  if (d.type !== 'sns')
    throw new Error(`destination ${named.name}: expected an sns destination, got ${d.type}`);
  if (!TOPIC_ARN.test(d.topicArn))
    throw new Error(`destination ${named.name}: topicArn is not an SNS topic ARN`);
  return d.topicArn;
}

export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: SNSClient,
    private readonly options: { retry?: RetryOptions } = {},
  ) {}

  async send(alert: Alert, named: NamedDestination, options: SendOptions = {}): Promise<void> {
    const command = new PublishCommand(snsPublishInput(alert, checkTopicArn(named)));
    const { signal } = options;
    await withRetry(
      () => this.client.send(command, signal ? { abortSignal: signal } : undefined),
      isRetryableAwsError,
      this.options.retry,
      signal,
    );
  }
}
