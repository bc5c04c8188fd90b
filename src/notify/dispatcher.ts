/**
 * Routes each (alert, destination) to the notifier for the destination's type: email → SES v2,
 * sns → SNS, webhook → webhook, pagerduty → PagerDuty Events API, securityhub → Security Hub.
 * `createAwsDispatcher` wires the AWS notifiers for the processor Lambda; the CLI uses an
 * OutboxNotifier instead. A send's options (its `signal`: the time left in the invocation) go
 * through to the notifier.
 */
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from '../alerts';
import type { SecretReader } from '../secrets';
import type { Destination, NamedDestination } from './destination';
import type { Notifier } from './notifier';
import { PagerDutyNotifier } from './pagerduty-notifier';
import type { FindingsAccount } from './render-asff';
import type { EmailOptions } from './render-email';
import type { RetryOptions, SendOptions } from './retry';
import { SecurityHubNotifier, type FindingsImporter, type FindingTimes } from './securityhub-notifier';
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
  /** The one cached reader of webhook URLs and routing keys. */
  secrets: SecretReader;
  /** Security Hub's BatchImportFindings and the account findings go into; without it, no securityhub. */
  findings?: { importer: FindingsImporter; account: FindingsAccount; times?: FindingTimes };
  email?: EmailOptions;
  retry?: RetryOptions;
  now?: () => Date;
}

/** The dispatcher the processor Lambda uses: SES v2, SNS, webhooks, PagerDuty and Security Hub. */
export function createAwsDispatcher(clients: AwsDispatcherClients): NotificationDispatcher {
  const { retry, secrets, findings } = clients;
  return new NotificationDispatcher({
    email: new SesNotifier(clients.ses, { ...clients.email, retry }),
    sns: new SnsNotifier(clients.sns, { retry }),
    webhook: new WebhookNotifier({ secrets, retry }),
    pagerduty: new PagerDutyNotifier({ secrets, retry }),
    ...(findings ? { securityhub: new SecurityHubNotifier({ ...findings, retry, now: clients.now }) } : {}),
  });
}
