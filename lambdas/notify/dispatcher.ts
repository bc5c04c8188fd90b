/**
 * Routes each (alert, destination) to the notifier for the destination's type: email → SES v2,
 * sns → SNS, webhook → webhook. `createAwsDispatcher` wires the AWS notifiers for the processor
 * Lambda; the CLI uses an OutboxNotifier instead. A send's options (its `signal`: the time left
 * in the invocation) go through to the notifier.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from '../alerts/alert';
import type { Destination, NamedDestination } from './destination';
import type { Notifier } from './notifier';
import type { EmailOptions } from './render-email';
import type { RetryOptions, SendOptions } from './retry';
import { CachedSecretReader } from './secret-reader';
import { SesNotifier } from './ses-notifier';
import { SnsNotifier } from './sns-notifier';
import { WebhookNotifier } from './webhook-notifier';

/** A notifier that takes the send's options; one that takes none (the outbox) fits too. */
export interface TimedNotifier extends Notifier {
  send(alert: Alert, destination: NamedDestination, options?: SendOptions): Promise<void>;
}

export type NotifiersByType = Partial<Record<Destination['type'], TimedNotifier>>;

export class NotificationDispatcher implements TimedNotifier {
  constructor(private readonly notifiers: NotifiersByType) {}

  async send(alert: Alert, destination: NamedDestination, options?: SendOptions): Promise<void> {
    const type = destination.destination?.type;
    const notifier = type === undefined ? undefined : this.notifiers[type];
    if (!notifier) {
      throw new Error(
        `destination ${destination.name}: no notifier for type ${String(type)} (configured: ${Object.keys(this.notifiers).join(', ') || 'none'})`,
      );
    }
    await notifier.send(alert, destination, options);
  }
}

export interface AwsDispatcherClients {
  ses: SESv2Client;
  sns: SNSClient;
  secrets: SecretsManagerClient;
  email?: EmailOptions;
  retry?: RetryOptions;
}

/** The dispatcher the processor Lambda uses: SES v2, SNS and webhooks (URLs from Secrets Manager). */
export function createAwsDispatcher(clients: AwsDispatcherClients): NotificationDispatcher {
  return new NotificationDispatcher({
    email: new SesNotifier(clients.ses, { ...clients.email, retry: clients.retry }),
    sns: new SnsNotifier(clients.sns, { retry: clients.retry }),
    webhook: new WebhookNotifier({ secrets: new CachedSecretReader(clients.secrets), retry: clients.retry }),
  });
}
